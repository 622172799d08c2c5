"""POST /api/v1/integrations: connect an alerting tool (admin). A signing secret is shown only in this answer."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.alerting import integrations
from flare.alerting.models import CreateIntegrationRequest, NewIntegrationOut
from flare.http.entry import lambda_handler
from flare.http.routes import create_route

app = APIGatewayRestResolver(enable_validation=True)
create_route(
    app,
    "create_integration",
    "/api/v1/integrations",
    scope="admin",
    create=integrations.create_integration,
    request=CreateIntegrationRequest,
    response=NewIntegrationOut,
    summary="Create an integration",
    tags=["integrations"],
)
handler = lambda_handler(app)
