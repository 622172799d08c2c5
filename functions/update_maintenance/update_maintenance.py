"""PATCH /api/v1/maintenances/{maintenance_id}: edit while scheduled; only the end while in progress."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import update_route
from flare.maintenances import use_cases as maintenances
from flare.maintenances.models import MaintenanceOut, UpdateMaintenanceRequest

app = APIGatewayRestResolver(enable_validation=True)
update_route(
    app,
    "update_maintenance",
    "/api/v1/maintenances/<maintenance_id>",
    scope="write:maintenances",
    update=maintenances.update_maintenance,
    request=UpdateMaintenanceRequest,
    response=MaintenanceOut,
    summary="Update a maintenance",
    tags=["maintenances"],
)
handler = lambda_handler(app)
