"""POST /api/v1/maintenances: announce a maintenance window."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import http, maintenances
from flare.models import CreateMaintenanceRequest, MaintenanceOut
from flare.preconditions import etag

app = http.create_app()


@app.post("/api/v1/maintenances", summary="Schedule a maintenance", status_code=201, tags=["maintenances"])
def create_maintenance(
    body: Annotated[CreateMaintenanceRequest, Body()],
    idempotency_key: Annotated[str | None, http.IDEMPOTENCY_KEY] = None,
) -> Response[MaintenanceOut]:
    caller = http.caller("write:maintenances")

    def create() -> Response:
        maintenance = maintenances.create_maintenance(caller, body)
        headers = {"Location": f"/api/v1/maintenances/{maintenance.id}", "ETag": etag(maintenance.version)}
        return http.json_response(201, maintenance, headers)

    return http.idempotent(idempotency_key, caller, "POST /api/v1/maintenances", body, create)


handler = http.lambda_handler(app)
