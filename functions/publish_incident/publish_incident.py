"""POST /api/v1/incidents/{incident_id}/publish: draft → active."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import action_route
from flare.incidents import use_cases as incidents
from flare.incidents.models import IncidentOut

app = APIGatewayRestResolver(enable_validation=True)
action_route(
    app,
    "publish_incident",
    "/api/v1/incidents/<incident_id>/publish",
    scope="write:incidents",
    act=incidents.publish_incident,
    canonical_id=incidents.id_in_path,
    response=IncidentOut,
    summary="Publish a draft incident",
    tags=["incidents"],
)
handler = lambda_handler(app)
