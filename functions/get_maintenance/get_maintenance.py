"""GET /api/v1/maintenances/{maintenance_id}: the maintenance with its timeline."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import get_route
from flare.maintenances import use_cases as maintenances
from flare.maintenances.models import MaintenanceOut

app = APIGatewayRestResolver(enable_validation=True)
get_route(
    app,
    "get_maintenance",
    "/api/v1/maintenances/<maintenance_id>",
    scope="read:incidents",
    read=maintenances.get_maintenance,
    response=MaintenanceOut,
    summary="Get a maintenance",
    tags=["maintenances"],
)
handler = lambda_handler(app)
