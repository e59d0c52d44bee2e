"""An S3-compatible server process on loopback for the storage tests: moto's ``moto_server`` (from this
interpreter's environment), on a free port of this suite's, with one bucket."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx

from tests.support.servers import START_TIMEOUT, free_port

BUCKET = "pictures"
ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key-never-echoed"


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    bucket: str

    def client(self) -> object:
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def stored_keys(self) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=self.bucket)  # type: ignore[attr-defined]
        return sorted(item["Key"] for item in listed.get("Contents", []))


@contextmanager
def s3_server(log: Path) -> Iterator[S3Server]:
    """``moto_server`` started on a free loopback port, a bucket made in it; stopped afterwards."""
    port = free_port()
    moto = Path(sys.executable).with_name("moto_server")
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - the environment's own moto_server
            [str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"moto_server did not start:\n{log.read_text(errors='replace')}") from None
                time.sleep(0.1)
        server = S3Server(url, BUCKET)
        server.client().create_bucket(Bucket=BUCKET)  # type: ignore[attr-defined]
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
