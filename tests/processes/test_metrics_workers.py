"""GET /metrics from a real server with WORKERS=2: the answer is the sum over the workers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.graphql.test_metrics import parse, value
from tests.support import ME, PASSWORD
from tests.support.servers import free_port, running_server


@pytest.mark.servers
def test_two_workers_add_up_in_every_answer(tmp_path: Path) -> None:
    """WORKERS=2: each worker counts in its own files; /metrics, from either worker, reports the sum, and
    the outbox's depth as each worker reads it from the one table (not twice that)."""
    requests = 40
    # No SMTP server listens there: grace's verification mail waits, its retry an hour away.
    down = f"smtp://127.0.0.1:{free_port()}"
    with running_server(tmp_path, WORKERS="2", SMTP_URL=down, MAIL_RETRY_SECONDS="3600") as server:
        register = "mutation R($i: RegisterInput!) { register(input: $i) { accessToken } }"
        variables = {"i": {"userName": "grace", "password": PASSWORD, "email": "grace@example.com"}}
        token = httpx.post(server.graphql_url, json={"query": register, "variables": variables}).json()["data"][
            "register"
        ]["accessToken"]
        for _ in range(requests):  # a new connection each time, so both workers get some
            response = httpx.post(server.graphql_url, json={"query": ME}, headers={"Authorization": f"Bearer {token}"})
            assert response.json()["data"]["me"]["userName"] == "grace"

        answers = [parse(httpx.get(f"{server.url}/metrics").text) for _ in range(10)]
        log = server.output()

    assert log.count("Started server process") == 2, log
    for samples in answers:
        assert value(samples, "graphql_requests_total", operation="Me", outcome="ok") == requests
        assert value(samples, "graphql_requests_total", operation="R", outcome="ok") == 1
        assert value(samples, "graphql_request_duration_seconds_count", operation="Me") == requests
        assert value(samples, "mail_outbox_pending") == 1
