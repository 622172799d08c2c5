"""GET /api/v1/incidents/{incident_id}: the incident with its newest messages."""

from aws_lambda_powertools.event_handler import Response

from flare import http, incidents
from flare.models import IncidentOut
from flare.preconditions import etag

app = http.create_app()


@app.get("/api/v1/incidents/<incident_id>", summary="Get an incident", tags=["incidents"])
def get_incident(incident_id: str) -> Response[IncidentOut]:
    incident = incidents.get_incident(http.caller("read:incidents"), incident_id)
    return http.json_response(200, incident, {"ETag": etag(incident.version)})


handler = http.lambda_handler(app)
