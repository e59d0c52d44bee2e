"""README's GraphiQL session, pasted as written and followed as told: every operation succeeds."""

from __future__ import annotations

import json
import re
from pathlib import Path

from models import OutboxMail
from services.accounts import password_reset
from settings import Settings
from tests.support import Api

README = Path(__file__).resolve().parents[2] / "README.md"


def session_steps() -> list[tuple[str, str]]:
    """(the comment before it, the operation) for each operation of README's first ```graphql block."""
    block = re.search(r"```graphql\n(.*?)```", README.read_text(), flags=re.S)
    assert block is not None, "README has no GraphiQL session"
    steps: list[tuple[str, str]] = []
    comment = ""
    for line in block.group(1).splitlines():
        if line.startswith("#"):
            comment = line if line.startswith("# ") and line[2:3].isdigit() else comment + "\n" + line
        elif line.startswith(("query", "mutation")):
            steps.append((comment, line))
        elif line.strip():
            steps[-1] = (steps[-1][0], steps[-1][1] + "\n" + line)
    return steps


async def _mailed_token(settings: Settings) -> str:
    """The token of the newest reset mail, read from the outbox (no sender runs here: it is still there).
    A sender turns reset requests into mails; here the test does it."""
    for request in await OutboxMail.filter(template=password_reset.RESET_REQUEST, status="pending"):
        await password_reset.resolve_reset_request(request, settings)
    mail = await OutboxMail.filter(template="reset_password").order_by("-id").first()
    assert mail is not None, "no reset mail was written"
    return str(json.loads(mail.data)["token"])


async def test_the_readme_session_runs_as_written(api: Api, settings: Settings) -> None:
    """Each operation as README prints it; the only things filled in are what README tells the reader to copy
    (the newest access token into Headers, ``<refreshToken>``, the token from the mail)."""
    steps = session_steps()
    token = refresh = ""

    for _, operation in steps:
        if "<token from the mail>" in operation:
            operation = operation.replace("<token from the mail>", await _mailed_token(settings))
        result = await api.execute(operation.replace("<refreshToken>", refresh), token=token or None)

        assert not result.errors, (operation, result.body)
        for payload in (result.data.get(name) for name in ("register", "login", "refreshToken")):
            if payload:
                token, refresh = payload["accessToken"], payload.get("refreshToken", refresh)

    assert [operation.split("(")[0].split("{")[1].strip() for _, operation in steps][-1] == "deleteUser"
    assert (await api.login("john_doe", "resetPassword789")).code == "UNAUTHENTICATED"  # the account is gone
