"""A document the server has seen is neither parsed nor validated again.

Validation costs more than the rest of a small request (about 0.8 ms in graphql-core 3.3). Parsed
documents live in our own LRU cache (schema/documents.py, ``parsed``); Strawberry's ValidationCache is
keyed by the document *and* the validation rules, so rules built per request (say, depth or alias
limiters passed as factories) miss it every time. Build such rules once and add them with
AddValidationRules; this test fails otherwise. It watches a validation rule of our own
(schema.validation.CountValidations), which runs only when a document is validated.
"""

from __future__ import annotations

import secrets

from schema.documents import parsed
from schema.validation import validated_documents
from tests.support import ME, USER, Api


async def test_a_new_document_is_parsed_and_validated_once(api: Api) -> None:
    account = await api.register()
    parses, validations = parsed.cache_info().misses, validated_documents()

    document = f"query NeverSentBefore{secrets.token_hex(4)} {{ me {{ userName bio }} }}"
    result = await api.execute(document, token=account.token)

    assert not result.errors, result.body
    assert parsed.cache_info().misses == parses + 1
    assert validated_documents() == validations + 1


async def test_a_repeated_document_is_neither_parsed_nor_validated_again(api: Api) -> None:
    account = await api.register()
    for document, variables in ((ME, None), (USER, {"userName": "john_doe"})):
        await api.execute(document, variables, token=account.token)  # seen at least once
        parses, validations = parsed.cache_info().misses, validated_documents()

        for _ in range(3):
            result = await api.execute(document, variables, token=account.token)
            assert not result.errors, result.body

        assert parsed.cache_info().misses == parses
        assert validated_documents() == validations, "validation rules are built per request"
