"""GET /api/v1/incidents/{incident_id}/messages: the whole timeline, newest first, paginated."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from flare.access.auth import Caller
from flare.http.entry import lambda_handler
from flare.http.params import CURSOR, LIMIT, authorized
from flare.http.responses import json_response
from flare.incidents import use_cases as incidents
from flare.incidents.models import MessageList

app = APIGatewayRestResolver(enable_validation=True)


@app.get("/api/v1/incidents/<incident_id>/messages", summary="List an incident's messages", tags=["incidents"])
def list_incident_messages(
    caller: Annotated[Caller, authorized("read:incidents")],
    incident_id: str,
    limit: Annotated[int, LIMIT] = 50,
    cursor: Annotated[str | None, CURSOR] = None,
) -> Response[MessageList]:
    page = incidents.list_messages(caller, incident_id, limit=limit, after=cursor)
    return json_response(200, page)


handler = lambda_handler(app, paginates=True)
