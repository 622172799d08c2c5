"""GET /api/v1/services: newest first, each with its computed status."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response

from flare import http, services
from flare.models import ServiceList

app = http.create_app()


@app.get("/api/v1/services", summary="List services", tags=["services"])
def list_services(
    limit: Annotated[int, http.LIMIT] = 50, cursor: Annotated[str | None, http.CURSOR] = None
) -> Response[ServiceList]:
    return http.json_response(200, services.list_services(http.caller("read:incidents"), limit=limit, after=cursor))


handler = http.lambda_handler(app, paginates=True)
