"""GET /api/v1/integrations/{integration_id}: its configuration and webhook path, never its secret (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.alerting import integrations
from flare.alerting.models import IntegrationOut
from flare.http.entry import lambda_handler
from flare.http.routes import get_route

app = APIGatewayRestResolver(enable_validation=True)
get_route(
    app,
    "get_integration",
    "/api/v1/integrations/<integration_id>",
    scope="admin",
    read=integrations.get_integration,
    response=IntegrationOut,
    summary="Get an integration",
    tags=["integrations"],
)
handler = lambda_handler(app)
