"""PATCH /api/v1/services/{service_id}: rename or describe a service (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.catalog import services
from flare.catalog.models import ServiceOut, UpdateServiceRequest
from flare.http.entry import lambda_handler
from flare.http.routes import update_route

app = APIGatewayRestResolver(enable_validation=True)
update_route(
    app,
    "update_service",
    "/api/v1/services/<service_id>",
    scope="admin",
    update=services.update_service,
    request=UpdateServiceRequest,
    response=ServiceOut,
    summary="Update a service",
    tags=["services"],
)
handler = lambda_handler(app)
