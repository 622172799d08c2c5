"""POST /api/v1/incidents: file an incident (or get the unresolved one with the same source/external_id)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare.access.auth import Caller
from flare.http.entry import lambda_handler
from flare.http.idempotency import idempotent
from flare.http.params import IDEMPOTENCY_KEY, authorized
from flare.http.responses import json_response
from flare.incidents import filing
from flare.incidents.models import CreateIncidentRequest, IncidentOut
from flare.preconditions import etag

app = APIGatewayRestResolver(enable_validation=True)


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
    caller: Annotated[Caller, authorized("write:incidents")],
    body: Annotated[CreateIncidentRequest, Body()],
    idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None,
) -> Response[IncidentOut]:

    def create() -> Response:
        incident, created = filing.create_incident(caller, body)
        headers = {"Location": f"/api/v1/incidents/{incident.id}", "ETag": etag(incident.version)}
        return json_response(201 if created else 200, incident, headers)

    return idempotent(app, idempotency_key, caller, "POST /api/v1/incidents", body, create)


handler = lambda_handler(app)
