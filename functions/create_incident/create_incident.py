"""POST /api/v1/incidents: file an incident (or get the unresolved one with the same source/external_id)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import http, incidents
from flare.models import CreateIncidentRequest, IncidentOut
from flare.preconditions import etag

app = http.create_app()


@app.post(
    "/api/v1/incidents",
    summary="Create an incident",
    description="201 with the new incident; 200 with the existing one while an unresolved incident has the "
    "same (source, external_id). Idempotency-Key replays the first response for 24 hours.",
    status_code=201,
    responses={
        201: {"description": "Created"},
        200: {"description": "The unresolved incident with the same (source, external_id)"},
    },
    tags=["incidents"],
)
def create_incident(
    body: Annotated[CreateIncidentRequest, Body()], idempotency_key: Annotated[str | None, http.IDEMPOTENCY_KEY] = None
) -> Response[IncidentOut]:
    caller = http.caller("write:incidents")

    def create() -> Response:
        incident, created = incidents.create_incident(caller, body)
        headers = {"Location": f"/api/v1/incidents/{incident.id}", "ETag": etag(incident.version)}
        return http.json_response(201 if created else 200, incident, headers)

    return http.idempotent(idempotency_key, caller, "POST /api/v1/incidents", body, create)


handler = http.lambda_handler(app)
