"""Persisted queries: Apollo's automatic persisted queries (APQ) and a manifest of trusted documents.

APQ (the protocol of Apollo Client's and urql's persisted-query links): a client first sends only
``extensions.persistedQuery.sha256Hash``; a server that does not know the hash answers
``PersistedQueryNotFound``, and the client sends the document with its hash once, which the server checks
and keeps. Hash-only requests are short enough for GET, so a CDN can cache them.

Registration is bounded: a document larger than ``PERSISTED_QUERIES_MAX_BYTES``, or one more new document
from an address past its ``PERSISTED_QUERIES_MAX_PER_ADDRESS`` in a window, runs but is not stored (the
client's next use gets ``PersistedQueryNotFound`` and sends it again, which always works); and the store
keeps the ``PERSISTED_QUERIES_MAX_ENTRIES`` most recently used documents, in memory and in Redis alike.

Trusted documents: ``PERSISTED_QUERIES_FILE`` is Apollo's persisted-query manifest (``generate-persisted-
query-manifest``); with ``PERSISTED_QUERIES_ONLY=true`` the server runs nothing else (OWASP's allow-list).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import redis.asyncio as redis
from graphql import GraphQLError

from schema.trusted import ManifestError
from services.errors import TooManyRequests
from services.throttle import PERSISTING, Throttle
from settings import Settings

log = logging.getLogger("app.persisted")

NOT_FOUND = "PersistedQueryNotFound"
NOT_SUPPORTED = "PersistedQueryNotSupported"
NOT_IN_MANIFEST = "This server runs only the operations of its persisted-query manifest."
SHA256 = re.compile(r"[0-9a-f]{64}")
REDIS_TTL = 7 * 24 * 3600  # seconds a document stays in Redis after its last use (besides the LRU bound)
TOUCH_SECONDS = 60  # a document this process serves from memory tells Redis it is in use at most this often


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


class PersistedQueryError(Exception):
    """A persisted-query request the server cannot run; becomes a GraphQL error with ``code``."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.error = GraphQLError(message, extensions={"code": code})


class DocumentStore(Protocol):
    async def get(self, sha: str) -> str | None: ...
    async def put(self, sha: str, document: str) -> None: ...
    async def close(self) -> None: ...


class MemoryDocuments:
    """The most recently used documents of this process: beyond ``entries``, the least recently used goes."""

    def __init__(self, entries: int) -> None:
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._entries = entries

    async def get(self, sha: str) -> str | None:
        document = self._documents.get(sha)
        if document is not None:
            self._documents.move_to_end(sha)
        return document

    async def put(self, sha: str, document: str) -> None:
        self._documents[sha] = document
        self._documents.move_to_end(sha)
        while len(self._documents) > self._entries:
            self._documents.popitem(last=False)

    async def close(self) -> None:
        self._documents.clear()


# Redis keeps a document under PREFIX + "apq:" + sha and its last use in the sorted set PREFIX + "apq-lru"
# (score: a counter shared by every instance, so "least recently used" is exact across them). A script runs
# alone, so a store and the eviction it causes are one step.
# KEYS: the document, the recency set, the use counter; ARGV: sha, TTL.
_GET = """
local document = redis.call('GET', KEYS[1])
if document then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return document
"""
# KEYS: as _GET; ARGV: sha, TTL, document, most entries kept, the documents' key prefix.
_PUT = """
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[2])
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if excess > 0 then
  local evicted = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #evicted, 2 do
    redis.call('DEL', ARGV[5] .. evicted[i])
  end
end
return 0
"""


class RedisDocuments:
    """Shared by every worker and instance on one Redis, which keeps the ``entries`` most recently used;
    this process's memory (as many) in front."""

    def __init__(self, url: str, prefix: str, entries: int) -> None:
        self._redis = redis.from_url(url)
        self._documents = prefix + "apq:"
        self._keys = (prefix + "apq-lru", prefix + "apq-uses")
        self._entries = entries
        self._memory = MemoryDocuments(entries)
        self._touched: OrderedDict[str, float] = OrderedDict()  # when this process last told Redis of a use
        self._get = self._redis.register_script(_GET)
        self._put = self._redis.register_script(_PUT)

    async def get(self, sha: str) -> str | None:
        document = await self._memory.get(sha)
        touched = self._touched.get(sha)
        if document is not None and touched is not None and time.monotonic() - touched < TOUCH_SECONDS:
            return document
        try:
            stored = await self._get(keys=[self._documents + sha, *self._keys], args=[sha, REDIS_TTL])
        except redis.RedisError as exc:  # an outage makes the client resend the document, nothing worse
            log.warning("persisted-query lookup failed: %s", type(exc).__name__)
            return document
        finally:
            self._note_touch(sha)  # also after an outage's error: a hit from memory tries again a minute later
        if stored is None:
            return document  # evicted from Redis meanwhile: still in this process's memory, until it goes
        document = stored.decode() if isinstance(stored, bytes) else str(stored)
        await self._memory.put(sha, document)
        return document

    async def put(self, sha: str, document: str) -> None:
        await self._memory.put(sha, document)
        try:
            await self._put(
                keys=[self._documents + sha, *self._keys],
                args=[sha, REDIS_TTL, document.encode(), self._entries, self._documents],
            )
        except redis.RedisError as exc:
            log.warning("persisted-query store failed: %s", type(exc).__name__)
            return
        self._note_touch(sha)

    def _note_touch(self, sha: str) -> None:
        self._touched[sha] = time.monotonic()
        self._touched.move_to_end(sha)
        while len(self._touched) > self._entries:
            self._touched.popitem(last=False)

    async def close(self) -> None:
        await self._redis.aclose()


def load_manifest(path: Path) -> dict[str, str]:
    """Apollo's persisted-query manifest: ``{"format": "apollo-persisted-query-manifest", "version": 1,
    "operations": [{"id", "name", "type", "body"}]}``, as ``{id: body}``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"PERSISTED_QUERIES_FILE {path}: {exc}") from None
    if (
        not isinstance(data, dict)
        or data.get("format") != "apollo-persisted-query-manifest"
        or data.get("version") != 1
        or not isinstance(data.get("operations"), list)
    ):
        raise ManifestError(f"PERSISTED_QUERIES_FILE {path}: not an Apollo persisted-query manifest, version 1")
    operations: dict[str, str] = {}
    for operation in data["operations"]:
        if not (isinstance(operation, dict) and isinstance(operation.get("body"), str)):
            raise ManifestError(f"PERSISTED_QUERIES_FILE {path}: every operation needs an id and a body")
        sha = operation.get("id")
        if not (isinstance(sha, str) and SHA256.fullmatch(sha)):
            raise ManifestError(f"PERSISTED_QUERIES_FILE {path}: operation ids must be SHA-256 hashes (hex)")
        operations[sha] = operation["body"]
    return operations


@dataclass
class Resolved:
    """The document to run, and the hash to register it under once it proves valid (APQ)."""

    query: str | None
    register: str | None = None
    trusted: bool = False


@dataclass
class PersistedQueries:
    store: DocumentStore
    manifest: dict[str, str] = field(default_factory=dict)
    only_manifest: bool = False
    automatic: bool = True
    max_bytes: int = 16_384  # largest document stored (UTF-8 bytes)
    throttle: Throttle | None = None  # counts new documents per address; None: no count

    def __post_init__(self) -> None:
        self.trusted_documents = frozenset(self.manifest.values())

    async def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> Resolved:
        """The document a request stands for; raises PersistedQueryError when it has none we may run."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            return self._freeform(query)
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise PersistedQueryError("Unsupported persisted query version.", "BAD_USER_INPUT")
        sha = persisted.get("sha256Hash")
        if not (isinstance(sha, str) and SHA256.fullmatch(sha)):
            raise PersistedQueryError(
                "persistedQuery.sha256Hash must be a SHA-256 hash (64 hex digits).", "BAD_USER_INPUT"
            )
        trusted = self.manifest.get(sha)
        if query is None:
            if trusted is not None:
                return Resolved(trusted, trusted=True)
            if self.only_manifest:
                raise PersistedQueryError(NOT_FOUND, "PERSISTED_QUERY_NOT_FOUND")
            if not self.automatic:
                raise PersistedQueryError(NOT_SUPPORTED, "PERSISTED_QUERY_NOT_SUPPORTED")
            stored = await self.store.get(sha)
            if stored is None:
                raise PersistedQueryError(NOT_FOUND, "PERSISTED_QUERY_NOT_FOUND")
            return Resolved(stored)
        if sha256(query) != sha:
            raise PersistedQueryError("provided sha does not match query", "BAD_USER_INPUT")
        if trusted is not None:
            return Resolved(query, trusted=True)
        if self.only_manifest:
            raise PersistedQueryError(NOT_IN_MANIFEST, "FORBIDDEN")
        if not self.automatic:
            raise PersistedQueryError(NOT_SUPPORTED, "PERSISTED_QUERY_NOT_SUPPORTED")
        return Resolved(query, register=sha)

    async def keep(self, sha: str, document: str, *, address: str) -> bool:
        """Store a document that ran and proved valid under its hash, or refuse to: too large, or one new
        document too many from ``address``. A refused one has run all the same; the client's next use gets
        PersistedQueryNotFound and sends it again (see README, Persisted queries)."""
        if len(document.encode()) > self.max_bytes:
            return False
        if await self.store.get(sha) is not None:
            return True  # already kept (this use made it the most recent): nothing new to count
        if self.throttle is not None:
            try:
                await self.throttle.reserve(*PERSISTING, address=address, event="persisted_query_refused")
            except TooManyRequests:
                return False
        await self.store.put(sha, document)
        return True

    def _freeform(self, query: str | None) -> Resolved:
        if query is not None and query in self.trusted_documents:
            return Resolved(query, trusted=True)
        if self.only_manifest:
            raise PersistedQueryError(NOT_IN_MANIFEST, "FORBIDDEN")
        return Resolved(query)

    async def close(self) -> None:
        await self.store.close()


def persisted_queries_for(
    settings: Settings, throttle: Throttle | None = None, *, shared: bool = True
) -> PersistedQueries:
    """The server's persisted queries: the manifest, and automatic ones kept in memory or, with REDIS_URL
    (and ``shared``), in Redis; ``throttle`` counts new ones per client address."""
    entries = settings.persisted_queries_max_entries
    store: DocumentStore = (
        RedisDocuments(settings.redis_url, settings.redis_prefix, entries)
        if settings.redis_url and shared
        else MemoryDocuments(entries)
    )
    file = settings.persisted_queries_file
    return PersistedQueries(
        store,
        load_manifest(file) if file is not None else {},
        only_manifest=settings.persisted_queries_only,
        automatic=settings.persisted_queries,
        max_bytes=settings.persisted_queries_max_bytes,
        throttle=throttle,
    )
