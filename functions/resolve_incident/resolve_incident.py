"""POST /api/v1/incidents/{incident_id}/resolve: resolve with a timeline message."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import action_route
from flare.incidents import use_cases as incidents
from flare.incidents.models import IncidentOut, ResolveIncidentRequest

app = APIGatewayRestResolver(enable_validation=True)
action_route(
    app,
    "resolve_incident",
    "/api/v1/incidents/<incident_id>/resolve",
    scope="write:incidents",
    act=incidents.resolve_incident,
    request=ResolveIncidentRequest,
    canonical_id=incidents.id_in_path,
    response=IncidentOut,
    summary="Resolve an incident",
    tags=["incidents"],
)
handler = lambda_handler(app)
