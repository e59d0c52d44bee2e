"""``GET /exports/{id}``: a data export's archive (services/exports/downloads.py).

With ``?token=`` (the link mailed when it was built): once, no sign-in needed. Without it: to its owner, with
the access token in ``Authorization: Bearer``, as often as needed while it lasts. The archive comes as an
attachment nothing may cache; a refusal is JSON, ``{"errors": [{"message", "extensions": {"code", "reason"}}]}``
as /graphql's, with its HTTP status.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.errors import AccountError
from services.exports import downloads
from services.exports.storage import CONTENT_TYPE
from settings import Settings
from web.request_state import request_state

PATH = "/exports/{id}"  # services.exports.builder.download_path(id) names one
STATUS = {"UNAUTHENTICATED": 401, "NOT_FOUND": 404, "CONFLICT": 409, "GONE": 410}
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}  # the link's token stays out of Referer
NO_CALLER = "Authentication required: send 'Authorization: Bearer <access token>', or use the mailed link."


def _refusal(error: AccountError) -> Response:
    body = {"errors": [{"message": error.message, "extensions": error.extensions()}]}
    status = STATUS.get(str(error.extensions()["code"]), 400)
    return JSONResponse(body, status_code=status, headers=NO_STORE)


def routes(settings: Settings) -> list[Route]:
    async def download(request: Request) -> Response:
        export_id = request.path_params["id"]
        token = request.query_params.get("token")
        if request.method == "HEAD" and token is not None:
            # A link checker's HEAD must not spend the one-time link (Starlette answers HEAD with the GET route).
            return Response(status_code=405, headers={**NO_STORE, "Allow": "GET"})
        try:
            if token is not None:
                found = await downloads.with_token(export_id, token, settings=settings)
            else:
                caller = request_state(request.scope).caller
                if caller is None:  # the Authentication middleware always sets one
                    raise downloads.ExportNotFound(NO_CALLER)
                user = await caller.require_user()
                found = await downloads.for_owner(export_id, user=user, settings=settings)
        except AccountError as exc:
            return _refusal(exc)
        headers = {
            **NO_STORE,
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "X-Content-Type-Options": "nosniff",
        }
        return Response(found.data, media_type=CONTENT_TYPE, headers=headers)

    return [Route(PATH, download, methods=["GET"])]
