"""Every start-up check, in one place, for both ways of starting: ``python main.py`` runs them once before
uvicorn starts its workers; ``uvicorn main:app`` runs them in the app's lifespan (web/app.py)."""

from __future__ import annotations

import database
from schema.build import build_schema
from schema.trusted import ManifestError
from services.identity import signing_keys, two_factor
from services.webhooks import endpoints as webhook_endpoints
from settings import Settings, SettingsError
from web import tracing
from web.persisted import persisted_queries_for

# What stops start-up with a message for the operator: `python main.py` prints it and exits 2; under
# uvicorn's own command the lifespan reports it and uvicorn exits 3. Never a traceback.
STARTUP_ERRORS = (SettingsError, ManifestError, database.DatabaseNotReady)


async def check_startup(settings: Settings, *, app_built: bool = False) -> None:
    """In this order: what create_app refuses as it builds (the persisted-query manifest, each of its documents
    against the schema, tracing's packages; ``app_built``: create_app has just checked them); the database
    answers and has its migrations (development applies them); TOTP_ENCRYPTION_KEY once anyone uses two-factor
    sign-in or a webhook endpoint exists; an active signing key with an asymmetric JWT_ALGORITHM (development
    makes one; production refuses to start without); the mail settings. The database must be connected."""
    if not app_built:
        manifest = persisted_queries_for(settings, shared=False).manifest
        build_schema(settings, manifest)  # every manifest document parsed and validated
        tracing.check_installed(settings)
    await database.require_reachable(settings.db_url)
    await database.prepare_for(settings)
    await two_factor.check_configured(settings=settings)
    await webhook_endpoints.check_configured(settings=settings)
    await signing_keys.check_configured(settings)
    settings.check_mail()
