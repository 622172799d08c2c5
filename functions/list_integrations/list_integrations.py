"""GET /api/v1/integrations: newest first, without their signing secrets (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.alerting import integrations
from flare.alerting.models import IntegrationList
from flare.http.entry import lambda_handler
from flare.http.routes import list_route

app = APIGatewayRestResolver(enable_validation=True)
list_route(
    app,
    "list_integrations",
    "/api/v1/integrations",
    scope="admin",
    page=integrations.list_integrations,
    response=IntegrationList,
    summary="List integrations",
    tags=["integrations"],
)
handler = lambda_handler(app, paginates=True)
