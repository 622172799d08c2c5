"""PATCH /api/v1/incidents/{incident_id}: edit fields; `status` with `message` adds a timeline message."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import update_route
from flare.incidents import use_cases as incidents
from flare.incidents.models import IncidentOut, UpdateIncidentRequest

app = APIGatewayRestResolver(enable_validation=True)
update_route(
    app,
    "update_incident",
    "/api/v1/incidents/<incident_id>",
    scope="write:incidents",
    update=incidents.update_incident,
    request=UpdateIncidentRequest,
    response=IncidentOut,
    summary="Update an incident",
    tags=["incidents"],
)
handler = lambda_handler(app)
