"""A document the server has seen is neither parsed nor validated again.

Validation costs more than the rest of a small request (about 0.8 ms in graphql-core 3.3). Parsed
documents (schema/documents.py) and Strawberry's ValidationCache live in module-level LRU caches; the
validation cache is keyed by the document *and* the validation rules, so rules built per request (say,
depth or alias limiters passed as factories) miss it every time. Build such rules once and add them with
AddValidationRules; this test fails otherwise.
"""

from __future__ import annotations

from strawberry.extensions.validation_cache import DEFAULT_MAXSIZE as VALIDATE_MAXSIZE
from strawberry.extensions.validation_cache import _get_validate_cache

from schema.documents import parsed
from tests.support import ME, USER, Api


async def test_a_repeated_document_hits_the_parse_and_validation_caches(api: Api) -> None:
    account = await api.register()
    parse, validate = parsed, _get_validate_cache(VALIDATE_MAXSIZE)
    for document, variables in ((ME, None), (USER, {"userName": "john_doe"})):
        await api.execute(document, variables, token=account.token)  # seen at least once
        before, validated = parse.cache_info(), validate.cache_info()

        for _ in range(3):
            result = await api.execute(document, variables, token=account.token)
            assert not result.errors, result.body

        assert parse.cache_info().misses == before.misses
        assert parse.cache_info().hits >= before.hits + 3
        assert validate.cache_info().misses == validated.misses, "validation rules are built per request"
        assert validate.cache_info().hits >= validated.hits + 3
