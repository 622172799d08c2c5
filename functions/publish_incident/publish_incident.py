"""POST /api/v1/incidents/{incident_id}/publish: draft → active."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response

from flare import http, incidents
from flare.models import IncidentOut
from flare.preconditions import etag

app = http.create_app()


@app.post("/api/v1/incidents/<incident_id>/publish", summary="Publish a draft incident", tags=["incidents"])
def publish_incident(
    incident_id: str, idempotency_key: Annotated[str | None, http.IDEMPOTENCY_KEY] = None
) -> Response[IncidentOut]:
    caller = http.caller("write:incidents")
    # By id, whichever way the path names it (INC-7, inc-7): an Idempotency-Key is bound to the incident.
    incident_id = incidents.id_in_path(caller, incident_id)

    def publish() -> Response:
        incident = incidents.publish_incident(caller, incident_id)
        return http.json_response(200, incident, {"ETag": etag(incident.version)})

    return http.idempotent(idempotency_key, caller, f"POST /api/v1/incidents/{incident_id}/publish", None, publish)


handler = http.lambda_handler(app)
