"""GET /api/v1/maintenances/{maintenance_id}: the maintenance with its timeline."""

from aws_lambda_powertools.event_handler import Response

from flare import http, maintenances
from flare.models import MaintenanceOut
from flare.preconditions import etag

app = http.create_app()


@app.get("/api/v1/maintenances/<maintenance_id>", summary="Get a maintenance", tags=["maintenances"])
def get_maintenance(maintenance_id: str) -> Response[MaintenanceOut]:
    maintenance = maintenances.get_maintenance(http.caller("read:incidents"), maintenance_id)
    return http.json_response(200, maintenance, {"ETag": etag(maintenance.version)})


handler = http.lambda_handler(app)
