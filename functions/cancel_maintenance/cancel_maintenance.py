"""POST /api/v1/maintenances/{maintenance_id}/cancel: cancel by hand (409 naming the current status)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import action_route
from flare.maintenances import use_cases as maintenances
from flare.maintenances.models import MaintenanceActionRequest, MaintenanceOut

app = APIGatewayRestResolver(enable_validation=True)
action_route(
    app,
    "cancel_maintenance",
    "/api/v1/maintenances/<maintenance_id>/cancel",
    scope="write:maintenances",
    act=maintenances.by_hand("cancel"),
    request=MaintenanceActionRequest,
    response=MaintenanceOut,
    summary="Cancel a maintenance",
    tags=["maintenances"],
)
handler = lambda_handler(app)
