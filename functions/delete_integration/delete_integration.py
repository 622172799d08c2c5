"""DELETE /api/v1/integrations/{integration_id} (admin): its webhook stops answering; its incidents stay."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.alerting import integrations
from flare.http.entry import lambda_handler
from flare.http.routes import delete_route

app = APIGatewayRestResolver(enable_validation=True)
delete_route(
    app,
    "delete_integration",
    "/api/v1/integrations/<integration_id>",
    scope="admin",
    delete=integrations.delete_integration,
    summary="Delete an integration",
    tags=["integrations"],
)
handler = lambda_handler(app)
