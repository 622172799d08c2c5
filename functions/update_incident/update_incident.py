"""PATCH /api/v1/incidents/{incident_id}: edit fields; `status` with `message` adds a timeline message."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import http, incidents
from flare.models import IncidentOut, UpdateIncidentRequest
from flare.preconditions import etag

app = http.create_app()


@app.patch("/api/v1/incidents/<incident_id>", summary="Update an incident", tags=["incidents"])
def update_incident(
    incident_id: str,
    body: Annotated[UpdateIncidentRequest, Body()],
    if_match: Annotated[str | None, http.IF_MATCH] = None,
) -> Response[IncidentOut]:
    caller = http.caller("write:incidents")
    incident = incidents.update_incident(caller, incident_id, body, if_match=if_match)
    return http.json_response(200, incident, {"ETag": etag(incident.version)})


handler = http.lambda_handler(app)
