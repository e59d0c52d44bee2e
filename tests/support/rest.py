"""A client for the REST door whose every answer is checked against the server's own /openapi.json: the
status is documented for the route, the body matches the documented schema, the headers the document names are
there. A test that calls the door through it also tests the OpenAPI document."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
from openapi_schema_validator import OAS31Validator

PASSWORD = "secure_password123"


def route_of(spec: dict[str, Any], path: str) -> str | None:
    """The OpenAPI path template ``path`` falls under (/api/users/ann -> /api/users/{userName})."""
    for template in spec["paths"]:
        pattern = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return template
    return None


def check_answer(spec: dict[str, Any], method: str, path: str, response: httpx.Response) -> None:
    """``response`` is one the document describes for ``method`` ``path``."""
    template = route_of(spec, path)
    assert template is not None, f"{path} is no documented route"
    assert response.headers["content-type"] == "application/json", response.headers
    operation = spec["paths"][template].get(method.lower())
    if operation is None:  # a method the route does not have: 405 and the error shape
        assert response.status_code == 405, response.text
        error_response = {"$ref": "#/components/schemas/ErrorResponse", "components": spec["components"]}
        OAS31Validator(error_response).validate(response.json())
        return
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method} {template} answered {response.status_code}, undocumented: {response.text}"
    for header in documented.get("headers", {}):
        assert header.lower() in response.headers, f"{response.status_code} without {header}"
    schema = documented["content"]["application/json"]["schema"]
    OAS31Validator({**schema, "components": spec["components"]}).validate(response.json())


@dataclass
class Rest:
    """The door over the ``api`` fixture's in-process client."""

    client: httpx.AsyncClient
    spec: dict[str, Any] | None = None

    async def openapi(self) -> dict[str, Any]:
        if self.spec is None:
            response = await self.client.get("/openapi.json")
            assert response.status_code == 200, response.text
            self.spec = response.json()
        return self.spec

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if body is not None:
            sent.setdefault("Content-Type", "application/json")
            content = json.dumps(body).encode()
        response = await self.client.request(method, path, content=content, headers=sent)
        check_answer(await self.openapi(), method, path, response)
        return response

    async def register(self, user_name: str = "john_doe", password: str = PASSWORD, **fields: Any) -> dict[str, Any]:
        """A new account through POST /api/register: the answer (tokens and user)."""
        response = await self.call("POST", "/api/register", {"userName": user_name, "passwordHash": password, **fields})
        assert response.status_code == 201, response.text
        return dict(response.json())


def errors_of(response: httpx.Response) -> list[tuple[str, str | None]]:
    """(code, field) of every error of a failure, in order."""
    body = response.json()
    assert body["error"] == body["errors"][0]
    return [(item["code"], item.get("field")) for item in body["errors"]]
