"""GraphQL documents and a small client, shared by the end-to-end tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from settings import Settings

USER_FIELDS = """
    userID userName firstName lastName email phoneNumber bio profileImage
    followersCount followingCount createdAt accountDeleted
    profile { website gender pushNotifications accountPrivacy verified }
"""

REGISTER = f"""
mutation Register($input: RegisterInput!) {{
  register(input: $input) {{
    accessToken tokenType expiresIn refreshToken refreshExpiresIn user {{ {USER_FIELDS} }}
  }}
}}"""

LOGIN = f"""
mutation Login($userName: String!, $password: String!) {{
  login(userName: $userName, password: $password) {{
    accessToken tokenType expiresIn refreshToken refreshExpiresIn user {{ {USER_FIELDS} }}
  }}
}}"""

ME = f"query Me {{ me {{ {USER_FIELDS} }} }}"

USER = f"query User($userName: String!) {{ user(userName: $userName) {{ {USER_FIELDS} }} }}"

UPDATE_USER = f"""
mutation UpdateUser($userName: String!, $input: UpdateUserInput!) {{
  updateUser(userName: $userName, input: $input) {{ {USER_FIELDS} }}
}}"""

UPDATE_PROFILE = f"""
mutation UpdateProfile($input: UpdateUserInput!) {{
  updateProfile(input: $input) {{ {USER_FIELDS} }}
}}"""

REFRESH = """
mutation Refresh($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) { accessToken refreshToken expiresIn refreshExpiresIn user { userName } }
}"""

LOGOUT = "mutation Logout($refreshToken: String!) { logout(refreshToken: $refreshToken) }"

LOGOUT_ALL = "mutation LogoutAll { logoutAll }"

DELETE_USER = """
mutation DeleteUser($userName: String!) { deleteUser(userName: $userName) { userID userName } }
"""

PASSWORD = "secure_password123"


@dataclass
class Result:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def error(self) -> dict[str, Any]:
        """The single error of a failed call."""
        assert len(self.errors) == 1, self.body
        return self.errors[0]

    @property
    def code(self) -> str:
        return str(self.error["extensions"]["code"])

    @property
    def field(self) -> str | None:
        return self.error["extensions"].get("field")


@dataclass
class Account:
    token: str
    user: dict[str, Any]
    password: str
    refresh_token: str = ""

    @property
    def name(self) -> str:
        return str(self.user["userName"])


class Api:
    def __init__(self, client: httpx.AsyncClient, backend: str) -> None:
        self.client = client
        self.backend = backend

    async def execute(self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None) -> Result:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # ensure_ascii escapes lone surrogates as \ud800, as a browser's JSON.stringify does.
        body = json.dumps({"query": query, "variables": variables}, ensure_ascii=True)
        response = await self.client.post("/graphql", content=body, headers=headers)
        assert response.headers["content-type"].startswith("application/json"), response.text
        return Result(status=response.status_code, body=response.json())

    async def register(self, user_name: str = "john_doe", password: str = PASSWORD, **fields: Any) -> Account:
        result = await self.execute(REGISTER, {"input": {"userName": user_name, "password": password, **fields}})
        assert not result.errors, result.body
        payload = result.data["register"]
        return Account(
            token=payload["accessToken"], user=payload["user"], password=password, refresh_token=payload["refreshToken"]
        )

    async def login(self, user_name: str, password: str = PASSWORD) -> Result:
        return await self.execute(LOGIN, {"userName": user_name, "password": password})

    async def me(self, token: str | None) -> Result:
        return await self.execute(ME, token=token)

    async def update_user(self, account: Account, user_name: str | None = None, **changes: Any) -> Result:
        variables = {"userName": user_name or account.name, "input": changes}
        return await self.execute(UPDATE_USER, variables, token=account.token)


def replace(settings: Settings, **changes: Any) -> Settings:
    """``settings`` with ``changes`` (typed values), as ``dataclasses.replace`` did. Not validated again, so a
    test may run "production" without the mail server or secret that production's validator asks for."""
    return settings.model_copy(update=changes)


async def resolve_reset_requests(settings: Settings) -> None:
    """Do what the background mail sender does with pending password-reset requests (none runs under the
    ``api`` fixture): turn each into a reset mail for a known address, or into nothing."""
    from models import OutboxMail
    from services.accounts import password_reset

    for request in await OutboxMail.filter(template=password_reset.RESET_REQUEST, status="pending").order_by("id"):
        await password_reset.resolve_reset_request(request, settings)
