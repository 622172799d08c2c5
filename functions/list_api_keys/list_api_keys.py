"""GET /api/v1/api-keys: the organisation's keys, never their secrets (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response

from flare import http, organisations
from flare.models import ApiKeyList

app = http.create_app()


@app.get("/api/v1/api-keys", summary="List API keys", tags=["api-keys"])
def list_api_keys(
    limit: Annotated[int, http.LIMIT] = 50, cursor: Annotated[str | None, http.CURSOR] = None
) -> Response[ApiKeyList]:
    return http.json_response(200, organisations.list_api_keys(http.caller("admin"), limit=limit, after=cursor))


handler = http.lambda_handler(app, paginates=True)
