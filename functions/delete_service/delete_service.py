"""DELETE /api/v1/services/{service_id} (admin; 409 while active incidents affect it)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.catalog import services
from flare.http.entry import lambda_handler
from flare.http.routes import delete_route

app = APIGatewayRestResolver(enable_validation=True)
delete_route(
    app,
    "delete_service",
    "/api/v1/services/<service_id>",
    scope="admin",
    delete=services.delete_service,
    summary="Delete a service",
    tags=["services"],
)
handler = lambda_handler(app)
