"""POST /api/v1/services: register a service incidents can affect (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.catalog import services
from flare.catalog.models import CreateServiceRequest, ServiceOut
from flare.http.entry import lambda_handler
from flare.http.routes import create_route

app = APIGatewayRestResolver(enable_validation=True)
create_route(
    app,
    "create_service",
    "/api/v1/services",
    scope="admin",
    create=services.create_service,
    request=CreateServiceRequest,
    response=ServiceOut,
    summary="Create a service",
    tags=["services"],
)
handler = lambda_handler(app)
