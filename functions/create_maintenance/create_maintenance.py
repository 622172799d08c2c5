"""POST /api/v1/maintenances: announce a maintenance window."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import create_route
from flare.maintenances import use_cases as maintenances
from flare.maintenances.models import CreateMaintenanceRequest, MaintenanceOut

app = APIGatewayRestResolver(enable_validation=True)
create_route(
    app,
    "create_maintenance",
    "/api/v1/maintenances",
    scope="write:maintenances",
    create=maintenances.create_maintenance,
    request=CreateMaintenanceRequest,
    response=MaintenanceOut,
    summary="Schedule a maintenance",
    tags=["maintenances"],
)
handler = lambda_handler(app)
