"""DELETE /api/v1/incidents/{incident_id}: the incident and its messages are gone."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import delete_route
from flare.incidents import use_cases as incidents

app = APIGatewayRestResolver(enable_validation=True)
delete_route(
    app,
    "delete_incident",
    "/api/v1/incidents/<incident_id>",
    scope="write:incidents",
    delete=incidents.delete_incident,
    summary="Delete an incident",
    tags=["incidents"],
)
handler = lambda_handler(app)
