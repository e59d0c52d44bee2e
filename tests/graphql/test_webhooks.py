"""Webhook endpoints over GraphQL: admins create, list, disable, delete and rotate them; everyone else is
refused; a URL is checked (https and public addresses in production), and every field at fault is named."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from ipaddress import ip_network

import httpx
import pytest
from cryptography.fernet import Fernet

from main import create_app
from models import WebhookEndpoint
from services.accounts import registration
from services.identity import signing_keys
from settings import Settings
from tests.support import Account, Api, replace
from tests.support.webhooks import CREATE

LIST = "query Endpoints { webhookEndpoints { id url events enabled description createdAt } }"
SET_ENABLED = """
mutation SetEnabled($id: ID!, $enabled: Boolean!) {
  setWebhookEndpointEnabled(id: $id, enabled: $enabled) { id enabled }
}"""
DELETE = "mutation Delete($id: ID!) { deleteWebhookEndpoint(id: $id) }"
ROTATE = "mutation Rotate($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret endpoint { id } } }"
REPLAY = "mutation Replay($id: ID!) { replayWebhookDelivery(id: $id) { id status } }"
DELIVERIES = "query Deliveries { webhookDeliveries { edges { node { id } } } }"
ENDPOINT_FIELDS = 'query Fields { __type(name: "WebhookEndpoint") { fields { name } } }'

URL = "https://hooks.example.com/users"
PUBLIC = "https://93.184.215.14/hooks"  # an address literal: no DNS asked


async def admin(api: Api) -> Account:
    account = await api.register("root")
    await registration.grant_admin("root")
    return account


async def create(api: Api, token: str, **fields: object) -> dict[str, object]:
    result = await api.execute(CREATE, {"input": {"url": URL, "events": ["user.created"], **fields}}, token=token)
    assert not result.errors, result.body
    created: dict[str, object] = result.data["createWebhookEndpoint"]
    return created


def secret_bytes(secret: str) -> bytes:
    assert secret.startswith("whsec_")
    return base64.b64decode(secret.removeprefix("whsec_"), validate=True)


async def test_an_admin_creates_lists_disables_and_deletes_an_endpoint(api: Api) -> None:
    root = await admin(api)

    created = await create(api, root.token, events=["user.deleted", "user.created"], description="CRM sync")
    endpoint = created["endpoint"]
    assert isinstance(endpoint, dict)
    listed = (await api.execute(LIST, token=root.token)).data["webhookEndpoints"]
    disabled = await api.execute(SET_ENABLED, {"id": endpoint["id"], "enabled": False}, token=root.token)
    after_disabling = (await api.execute(LIST, token=root.token)).data["webhookEndpoints"]
    deleted = await api.execute(DELETE, {"id": endpoint["id"]}, token=root.token)
    again = await api.execute(DELETE, {"id": endpoint["id"]}, token=root.token)

    assert endpoint["url"] == URL and endpoint["enabled"] is True and endpoint["description"] == "CRM sync"
    assert sorted(endpoint["events"]) == ["user.created", "user.deleted"]
    assert listed == [endpoint]
    assert disabled.data["setWebhookEndpointEnabled"] == {"id": endpoint["id"], "enabled": False}
    assert after_disabling[0]["enabled"] is False
    assert deleted.data["deleteWebhookEndpoint"] is True
    assert (await api.execute(LIST, token=root.token)).data["webhookEndpoints"] == []
    assert (again.code, again.field) == ("NOT_FOUND", "id")


async def test_the_secret_is_shown_at_creation_and_rotation_only_and_kept_encrypted(api: Api) -> None:
    root = await admin(api)

    created = await create(api, root.token)
    secret = str(created["secret"])
    endpoint_id = created["endpoint"]["id"]  # type: ignore[index]
    rotated = await api.execute(ROTATE, {"id": endpoint_id}, token=root.token)
    fields = (await api.execute(ENDPOINT_FIELDS)).data["__type"]["fields"]
    row = await WebhookEndpoint.get(id=int(endpoint_id))

    new_secret = rotated.data["rotateWebhookEndpointSecret"]["secret"]
    assert len(secret_bytes(secret)) == 32 and len(secret_bytes(new_secret)) == 32
    assert new_secret != secret
    assert "secret" not in {field["name"] for field in fields}  # listing an endpoint never shows it
    stored = f"{row.secret} {row.previous_secret}"
    for shown in (secret, new_secret, secret.removeprefix("whsec_"), new_secret.removeprefix("whsec_")):
        assert shown not in stored


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (CREATE, {"input": {"url": URL, "events": ["user.created"]}}),
        (LIST, {}),
        (SET_ENABLED, {"id": "1", "enabled": False}),
        (DELETE, {"id": "1"}),
        (ROTATE, {"id": "1"}),
        (REPLAY, {"id": "1"}),
        (DELIVERIES, {}),
    ],
)
async def test_webhooks_are_for_admins_only(api: Api, document: str, variables: dict[str, object]) -> None:
    await admin(api)
    ann = await api.register("ann")

    anonymous = await api.execute(document, variables)
    not_admin = await api.execute(document, variables, token=ann.token)

    assert anonymous.code == "UNAUTHENTICATED"
    assert not_admin.code == "FORBIDDEN"
    assert await WebhookEndpoint.all().count() == 0


async def test_every_field_at_fault_is_named_at_once(api: Api) -> None:
    root = await admin(api)

    result = await api.execute(
        CREATE,
        {
            "input": {
                "url": "ftp://hooks.example.com/",
                "events": ["user.created", "user.exploded"],
                "description": "x" * 201,
            }
        },
        token=root.token,
    )

    assert [(error["extensions"]["code"], error["extensions"]["field"]) for error in result.errors] == [
        ("BAD_USER_INPUT", "url"),
        ("BAD_USER_INPUT", "events"),
        ("BAD_USER_INPUT", "description"),
    ]
    assert "user.exploded" in result.errors[1]["message"]
    assert await WebhookEndpoint.all().count() == 0


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [
        ("https://user:hunter2@hooks.example.com/", ["user.created"], "url"),
        ("https://hooks.example.com/#part", ["user.created"], "url"),
        ("hooks.example.com/users", ["user.created"], "url"),
        ("https://hooks.example.com:99999/", ["user.created"], "url"),
        (URL, [], "events"),
        (URL, ["User.Created"], "events"),
    ],
)
async def test_bad_urls_and_event_lists_are_refused(api: Api, url: str, events: list[str], field: str) -> None:
    root = await admin(api)

    result = await api.execute(CREATE, {"input": {"url": url, "events": events}}, token=root.token)

    assert (result.code, result.field) == ("BAD_USER_INPUT", field)
    assert "hunter2" not in result.error["message"]


async def test_bad_and_unknown_ids(api: Api) -> None:
    root = await admin(api)

    not_an_id = await api.execute(DELETE, {"id": "one"}, token=root.token)
    unknown = await api.execute(ROTATE, {"id": "424242"}, token=root.token)
    no_delivery = await api.execute(REPLAY, {"id": "424242"}, token=root.token)

    assert (not_an_id.code, not_an_id.field) == ("BAD_USER_INPUT", "id")
    assert (unknown.code, unknown.field) == ("NOT_FOUND", "id")
    assert (no_delivery.code, no_delivery.field) == ("NOT_FOUND", "id")


@pytest.fixture
async def production(db: str, settings: Settings) -> AsyncIterator[Api]:
    configured = replace(
        settings,
        app_env="production",
        totp_encryption_key=(Fernet.generate_key().decode(),),
        webhook_allowed_networks=(ip_network("10.20.0.0/16"),),
    )
    await signing_keys.generate(configured)  # production signs with a key made by `python main.py keys generate`
    transport = httpx.ASGITransport(app=create_app(configured))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client, backend=db)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.215.14/hooks", "https://"),
        ("https://localhost/hooks", "loopback"),
        ("https://127.0.0.1:8443/hooks", "loopback"),
        ("https://[::1]/hooks", "loopback"),
        ("https://10.0.0.5/hooks", "private"),
        ("https://192.168.1.20/hooks", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[fd12:3456::1]/hooks", "private"),
        ("https://[::ffff:10.0.0.5]/hooks", "private"),
        ("https://224.0.0.1/hooks", "multicast"),
        ("https://0.0.0.0/hooks", "unspecified"),
    ],
)
async def test_production_refuses_plain_http_and_internal_addresses(production: Api, url: str, why: str) -> None:
    root = await admin(production)

    result = await production.execute(CREATE, {"input": {"url": url, "events": ["user.created"]}}, token=root.token)

    assert (result.code, result.field) == ("BAD_USER_INPUT", "url")
    assert why in result.error["message"]


async def test_production_accepts_public_addresses_and_the_allowed_networks(production: Api) -> None:
    root = await admin(production)

    public = await create(production, root.token, url=PUBLIC)
    internal = await create(production, root.token, url="https://10.20.3.4/hooks")

    assert public["endpoint"]["url"] == PUBLIC  # type: ignore[index]
    assert internal["endpoint"]["url"] == "https://10.20.3.4/hooks"  # type: ignore[index]


async def test_development_allows_plain_http_to_loopback(api: Api) -> None:
    root = await admin(api)

    created = await create(api, root.token, url="http://127.0.0.1:9/hooks")

    assert created["endpoint"]["url"] == "http://127.0.0.1:9/hooks"  # type: ignore[index]
