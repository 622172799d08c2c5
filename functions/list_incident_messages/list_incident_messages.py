"""GET /api/v1/incidents/{incident_id}/messages: the whole timeline, newest first, paginated."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response

from flare import http, incidents
from flare.models import MessageList

app = http.create_app()


@app.get("/api/v1/incidents/<incident_id>/messages", summary="List an incident's messages", tags=["incidents"])
def list_incident_messages(
    incident_id: str,
    limit: Annotated[int, http.LIMIT] = 50,
    cursor: Annotated[str | None, http.CURSOR] = None,
) -> Response[MessageList]:
    page = incidents.list_messages(http.caller("read:incidents"), incident_id, limit=limit, after=cursor)
    return http.json_response(200, page)


handler = http.lambda_handler(app, paginates=True)
