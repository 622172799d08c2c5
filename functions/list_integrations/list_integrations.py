"""GET /api/v1/integrations: newest first, without their signing secrets (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response

from flare import http, integrations
from flare.models import IntegrationList

app = http.create_app()


@app.get("/api/v1/integrations", summary="List integrations", tags=["integrations"])
def list_integrations(
    limit: Annotated[int, http.LIMIT] = 50, cursor: Annotated[str | None, http.CURSOR] = None
) -> Response[IntegrationList]:
    found = integrations.list_integrations(http.caller("admin"), limit=limit, after=cursor)
    return http.json_response(200, found)


handler = http.lambda_handler(app, paginates=True)
