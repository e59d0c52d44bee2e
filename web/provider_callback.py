"""``GET /auth/callback/{provider}``: where a sign-in provider sends the browser back (services.identity.providers).

It answers with a redirect to the front end's ``redirectTo`` carrying a one-time ``code`` (for
finishProviderSignIn or finishProviderLink, with the state the front end kept) or ``error``, never a token;
when the state is unknown, used or expired there is no page known to go back to, so a short page says so
(400). ``Referrer-Policy: no-referrer`` keeps the provider's code out of the next page's Referer.
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from services.client import Client
from services.identity import providers
from settings import Settings
from web.request_state import request_state

HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def routes(settings: Settings) -> list[Route]:
    async def callback(request: Request) -> Response:
        name = request.path_params["provider"]
        base = settings.public_url or str(request.base_url)
        caller = request_state(request.scope).caller
        client = caller.client if caller is not None else Client(request.client.host if request.client else "")
        params = {key: value for key, value in request.query_params.items() if key in ("code", "state", "error")}
        redirect = await providers.callback(
            provider=name,
            params=params,
            callback_url=providers.callback_url(base, name),
            settings=settings,
            client=client,
        )
        if redirect.url is None:
            page = f"<!doctype html><title>Sign-in</title><p>{escape(redirect.message)}</p>"
            return HTMLResponse(page, status_code=400, headers=HEADERS)
        return RedirectResponse(redirect.url, status_code=303, headers=HEADERS)

    return [Route(providers.CALLBACK_PATH, callback, methods=["GET"])]
