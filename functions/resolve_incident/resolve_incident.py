"""POST /api/v1/incidents/{incident_id}/resolve: resolve with a timeline message."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import http, incidents
from flare.models import IncidentOut, ResolveIncidentRequest
from flare.preconditions import etag

app = http.create_app()


@app.post("/api/v1/incidents/<incident_id>/resolve", summary="Resolve an incident", tags=["incidents"])
def resolve_incident(
    incident_id: str,
    body: Annotated[ResolveIncidentRequest | None, Body()] = None,
    idempotency_key: Annotated[str | None, http.IDEMPOTENCY_KEY] = None,
) -> Response[IncidentOut]:
    caller = http.caller("write:incidents")
    # By id, whichever way the path names it (INC-7, inc-7): an Idempotency-Key is bound to the incident.
    incident_id = incidents.id_in_path(caller, incident_id)
    request = body or ResolveIncidentRequest()

    def resolve() -> Response:
        incident = incidents.resolve_incident(caller, incident_id, request)
        return http.json_response(200, incident, {"ETag": etag(incident.version)})

    return http.idempotent(idempotency_key, caller, f"POST /api/v1/incidents/{incident_id}/resolve", request, resolve)


handler = http.lambda_handler(app)
