"""requestSignInCode takes as long for an address no account has as for one an account has.

The twin of tests/graphql/test_reset_timing.py (read it for the method): each round times one request for a
known and one for an unknown address over HTTP from the client's side, in a shuffled order, the next one
only once the previous one's background work (the code and its mail) is done; the rounds are compared in
pairs, the median of their differences as a share of the unknown address's median time.

Measured on SQLite with the request resolved inline (the address looked up, the code and its mail written
inside the request): +129%, failing; through the outbox, as shipped: -12%.
"""

from __future__ import annotations

import json
import random
import statistics
import time

from settings import Settings
from tests.graphql.test_reset_timing import MAX_RELATIVE_GAP, ROUNDS, WARM_UP, served_db  # noqa: F401 - a fixture
from tests.support.mail import mailer_for, outbox_drained

REQUEST_CODE = "mutation Ask($email: String!) { requestSignInCode(email: $email) }"
KNOWN, UNKNOWN = "ann@example.com", "nobody@example.com"


async def test_known_and_unknown_addresses_take_the_same_time(served_db: str, settings: Settings) -> None:  # noqa: F811
    db = served_db
    # The throttle stays on, with room for the samples (its counters do the same work for both addresses).
    async with mailer_for(db, settings, sign_in_code_max_per_address=1000, sign_in_code_max_per_email=1000) as mail:
        await mail.api.register("ann", email=KNOWN)
        await outbox_drained()
        shuffled = random.Random(23).sample  # noqa: S311 - a fixed seed: the same order on every run
        times: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
        for round_ in range(WARM_UP + ROUNDS):
            for address in shuffled([KNOWN, UNKNOWN], 2):
                body = json.dumps({"query": REQUEST_CODE, "variables": {"email": address}})
                start = time.perf_counter()
                response = await mail.api.client.post(
                    "/graphql", content=body, headers={"Content-Type": "application/json"}
                )
                elapsed = time.perf_counter() - start
                assert response.json() == {"data": {"requestSignInCode": True}}
                if round_ >= WARM_UP:
                    times[address].append(elapsed)
                await outbox_drained()  # the known address's mail is out before the next request is timed
        mailed = len(mail.sink.to(KNOWN, "sign-in code"))

    known, unknown = times[KNOWN], times[UNKNOWN]
    differences = [k - u for k, u in zip(known, unknown, strict=True)]
    gap = statistics.median(differences) / statistics.median(unknown)
    print(
        f"{db}: median known {statistics.median(known) * 1e3:.2f} ms, unknown {statistics.median(unknown) * 1e3:.2f}"
        f" ms; median difference {gap:+.0%}"
    )
    assert mailed == WARM_UP + ROUNDS  # every request for the known address mailed it
    assert abs(gap) < MAX_RELATIVE_GAP, (statistics.median(known), statistics.median(unknown), gap)
