"""PATCH /api/v1/integrations/{integration_id}: change an integration's name or its Slack announcement settings
(admin); its other settings stay as they were made."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.alerting import integrations
from flare.alerting.models import IntegrationOut, UpdateIntegrationRequest
from flare.http.entry import lambda_handler
from flare.http.routes import update_route

app = APIGatewayRestResolver(enable_validation=True)
update_route(
    app,
    "update_integration",
    "/api/v1/integrations/<integration_id>",
    scope="admin",
    update=integrations.update_integration,
    request=UpdateIntegrationRequest,
    response=IntegrationOut,
    summary="Update an integration (its name and Slack announcement settings)",
    tags=["integrations"],
)
handler = lambda_handler(app)
