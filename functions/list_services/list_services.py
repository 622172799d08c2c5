"""GET /api/v1/services: newest first, each with its computed status."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.catalog import services
from flare.catalog.models import ServiceList
from flare.http.entry import lambda_handler
from flare.http.routes import list_route

app = APIGatewayRestResolver(enable_validation=True)
list_route(
    app,
    "list_services",
    "/api/v1/services",
    scope="read:incidents",
    page=services.list_services,
    response=ServiceList,
    summary="List services",
    tags=["services"],
)
handler = lambda_handler(app, paginates=True)
