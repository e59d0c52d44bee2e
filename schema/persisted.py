"""Persisted queries: Apollo's automatic persisted queries (APQ) and a manifest of trusted documents.

APQ (the protocol of Apollo Client's and urql's persisted-query links): a client first sends only
``extensions.persistedQuery.sha256Hash``; a server that does not know the hash answers
``PersistedQueryNotFound``, and the client sends the document with its hash once, which the server checks
and keeps. Hash-only requests are short enough for GET, so a CDN can cache them.

Trusted documents: ``PERSISTED_QUERIES_FILE`` is Apollo's persisted-query manifest (``generate-persisted-
query-manifest``); with ``PERSISTED_QUERIES_ONLY=true`` the server runs nothing else (OWASP's allow-list).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import redis.asyncio as redis
from graphql import GraphQLError

log = logging.getLogger("app.persisted")

NOT_FOUND = "PersistedQueryNotFound"
NOT_SUPPORTED = "PersistedQueryNotSupported"
NOT_IN_MANIFEST = "This server runs only the operations of its persisted-query manifest."
SHA256 = re.compile(r"[0-9a-f]{64}")
MEMORY_ENTRIES = 2000  # documents kept per process; about 1 KB each
REDIS_TTL = 7 * 24 * 3600  # seconds a registered document stays in Redis after its last registration


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


class PersistedQueryError(Exception):
    """A persisted-query request the server cannot run; becomes a GraphQL error with ``code``."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.error = GraphQLError(message, extensions={"code": code})


class ManifestError(RuntimeError):
    """PERSISTED_QUERIES_FILE cannot be used; the message says why."""


class DocumentStore(Protocol):
    async def get(self, sha: str) -> str | None: ...
    async def put(self, sha: str, document: str) -> None: ...
    async def close(self) -> None: ...


class MemoryDocuments:
    """The most recently used documents of this process."""

    def __init__(self, entries: int = MEMORY_ENTRIES) -> None:
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


class RedisDocuments:
    """Shared by every worker and instance on one Redis, with this process's memory in front."""

    def __init__(self, url: str, prefix: str) -> None:
        self._redis = redis.from_url(url)
        self._prefix = prefix + "apq:"
        self._memory = MemoryDocuments()

    async def get(self, sha: str) -> str | None:
        document = await self._memory.get(sha)
        if document is not None:
            return document
        try:
            stored = await self._redis.get(self._prefix + sha)
        except redis.RedisError as exc:  # an outage makes the client resend the document, nothing worse
            log.warning("persisted-query lookup failed: %s", type(exc).__name__)
            return None
        if stored is None:
            return None
        document = stored.decode() if isinstance(stored, bytes) else str(stored)
        await self._memory.put(sha, document)
        return document

    async def put(self, sha: str, document: str) -> None:
        await self._memory.put(sha, document)
        try:
            await self._redis.set(self._prefix + sha, document.encode(), ex=REDIS_TTL)
        except redis.RedisError as exc:
            log.warning("persisted-query store failed: %s", type(exc).__name__)

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

    def _freeform(self, query: str | None) -> Resolved:
        if query is not None and query in self.trusted_documents:
            return Resolved(query, trusted=True)
        if self.only_manifest:
            raise PersistedQueryError(NOT_IN_MANIFEST, "FORBIDDEN")
        return Resolved(query)

    async def close(self) -> None:
        await self.store.close()


def persisted_queries_for(
    *, redis_url: str, prefix: str, manifest_file: Path | None, only_manifest: bool, automatic: bool
) -> PersistedQueries:
    if only_manifest and manifest_file is None:
        raise ManifestError("PERSISTED_QUERIES_ONLY=true needs PERSISTED_QUERIES_FILE, the manifest to serve")
    store: DocumentStore = RedisDocuments(redis_url, prefix) if redis_url else MemoryDocuments()
    manifest = load_manifest(manifest_file) if manifest_file is not None else {}
    return PersistedQueries(store, manifest, only_manifest=only_manifest, automatic=automatic)
