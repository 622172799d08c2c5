"""GET /api/v1/services/{service_id}: the service with its computed status."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.catalog import services
from flare.catalog.models import ServiceOut
from flare.http.entry import lambda_handler
from flare.http.routes import get_route

app = APIGatewayRestResolver(enable_validation=True)
get_route(
    app,
    "get_service",
    "/api/v1/services/<service_id>",
    scope="read:incidents",
    read=services.get_service,
    response=ServiceOut,
    summary="Get a service",
    tags=["services"],
)
handler = lambda_handler(app)
