"""One audit trail: only services.audit writes the app.security log and the securityEvents rows, so no event
can reach one and miss the other."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    p for p in ROOT.rglob("*.py") if not {"tests", ".venv", "build", "migrations"} & set(p.relative_to(ROOT).parts)
]


def test_only_services_audit_writes_security_lines_and_rows() -> None:
    writers = {
        str(path.relative_to(ROOT))
        for path in SOURCES
        for needle in ('"app.security"', "SecurityEvent.create", "SecurityEvent.bulk_create")
        if needle in path.read_text(encoding="utf-8")
    }

    assert len(SOURCES) > 50
    assert writers == {"services/audit.py"}
