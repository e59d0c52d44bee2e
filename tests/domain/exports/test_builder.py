"""The export builder: several builders build each export once, a builder that dies or fails leaves the export
to be built again after its lease, and no half-written archive is ever visible."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from models import DataExport, OutboxMail, User
from services.errors import AccountError
from services.exports import builder, downloads, queue, requests
from services.exports.storage import exports_folder
from services.media.storage import DiskStorage
from services.throttle import Throttle
from settings import Settings
from tests.domain.accounts.support import register
from tests.support import replace

ROUNDS = 30
BASE = "https://api.example.test"


@pytest.fixture
def quick(settings: Settings) -> Settings:
    """Leases of a second, so a test can outlive one."""
    return replace(settings, data_export_lease_seconds=1)


async def ann(settings: Settings, throttle: Throttle) -> User:
    return (await register(settings, throttle, "ann", email="ann@example.com")).user


def archives(settings: Settings) -> list[Path]:
    folder = exports_folder(settings)
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def partial_files(folder: Path) -> list[str]:
    """Temporary files a write left behind (DiskStorage writes ``.partial-*`` and renames it into place)."""
    return [path.name for path in folder.rglob(".partial-*")]


async def refusal(export: DataExport, user: User, settings: Settings) -> str:
    with pytest.raises(AccountError) as refused:
        await downloads.for_owner(str(export.id), user=user, settings=settings)
    return str(refused.value.extensions()["reason"])


async def outlive_the_lease(settings: Settings) -> None:
    await asyncio.sleep(settings.data_export_lease_seconds + 0.2)


async def test_a_builder_that_dies_leaves_the_export_to_the_next_one_after_its_lease(
    db: str, quick: Settings, throttle: Throttle
) -> None:
    user = await ann(quick, throttle)
    export = await requests.request_export(user=user, link_base=BASE)

    [taken] = await queue.claim(limit=5, settings=quick)  # ... and the builder that took it dies
    before_the_lease = await builder.Builder(quick).build_due()
    status_meanwhile = (await DataExport.get(id=export.id)).status
    reason_meanwhile = await refusal(export, user, quick)
    await outlive_the_lease(quick)
    after_the_lease = await builder.Builder(quick).build_due()

    assert taken.id == export.id
    assert (before_the_lease, status_meanwhile, reason_meanwhile) == (0, "building", "EXPORT_NOT_READY")
    assert after_the_lease == 1
    done = await DataExport.get(id=export.id)
    assert (done.status, done.attempts) == ("ready", 2)
    assert len(archives(quick)) == 1
    assert (await downloads.for_owner(str(export.id), user=user, settings=quick)).data[:2] == b"PK"


async def test_a_build_that_fails_midway_shows_no_archive_and_is_built_again(
    db: str, quick: Settings, throttle: Throttle, tmp_path: Path
) -> None:
    user = await ann(quick, throttle)
    export = await requests.request_export(user=user, link_base=BASE)
    not_a_folder = tmp_path / "full-disk"
    not_a_folder.write_text("a file where the store's folder should be: every write fails")

    # The account is read and zipped, then writing the archive fails.
    failing = builder.Builder(quick, storage=DiskStorage(not_a_folder / "exports"))
    built = await failing.build(*(await queue.claim(limit=1, settings=quick)))

    row = await DataExport.get(id=export.id)
    assert built is False
    assert row.status == "building" and row.storage_key is None and row.last_error
    assert archives(quick) == [] and partial_files(tmp_path) == []
    assert await refusal(export, user, quick) == "EXPORT_NOT_READY"
    assert await OutboxMail.filter(template=builder.TEMPLATE).count() == 0

    await outlive_the_lease(quick)
    assert await builder.Builder(quick).build_due() == 1

    row = await DataExport.get(id=export.id)
    assert row.status == "ready" and row.last_error is None
    assert [path.relative_to(exports_folder(quick)).as_posix() for path in archives(quick)] == [row.storage_key]
    assert await OutboxMail.filter(template=builder.TEMPLATE).count() == 1


async def test_an_export_tried_too_often_fails_and_frees_the_day(db: str, quick: Settings, throttle: Throttle) -> None:
    settings = replace(quick, data_export_max_attempts=1)
    user = await ann(settings, throttle)
    export = await requests.request_export(user=user, link_base=BASE)
    await queue.claim(limit=1, settings=settings)  # its one try dies
    await outlive_the_lease(settings)

    assert await builder.Builder(settings).build_due() == 0

    assert (await DataExport.get(id=export.id)).status == "failed"
    assert await refusal(export, user, settings) == "EXPORT_NOT_READY"
    assert (await requests.request_export(user=user, link_base=BASE)).status == "pending"


async def test_two_builders_at_the_same_moment_build_each_export_once(
    db: str, settings: Settings, throttle: Throttle
) -> None:
    user = await ann(settings, throttle)
    for round_ in range(ROUNDS):
        await DataExport.all().delete()  # a new day
        export = await requests.request_export(user=user, link_base=BASE)
        barrier = asyncio.Barrier(2)

        async def build(barrier: asyncio.Barrier = barrier) -> int:
            one = builder.Builder(settings)
            await barrier.wait()
            return await one.build_due()

        claimed = await asyncio.gather(build(), build())

        assert sorted(claimed) == [0, 1], (round_, claimed)
        row = await DataExport.get(id=export.id)
        assert (row.status, row.attempts) == ("ready", 1), round_
        assert [p.name for p in archives(settings) if p.name.startswith(f"{export.id}-")] == [
            Path(row.storage_key or "").name
        ]
        assert await OutboxMail.filter(template=builder.TEMPLATE).count() == round_ + 1
