"""GET /api/v1/incidents/{incident_id}: the incident with its newest messages."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import get_route
from flare.incidents import use_cases as incidents
from flare.incidents.models import IncidentOut

app = APIGatewayRestResolver(enable_validation=True)
get_route(
    app,
    "get_incident",
    "/api/v1/incidents/<incident_id>",
    scope="read:incidents",
    read=incidents.get_incident,
    response=IncidentOut,
    summary="Get an incident",
    tags=["incidents"],
)
handler = lambda_handler(app)
