"""POST /api/v1/maintenances/{maintenance_id}/start: start by hand (409 naming the current status)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import http, maintenances
from flare.models import MaintenanceActionRequest, MaintenanceOut
from flare.preconditions import etag

app = http.create_app()


@app.post("/api/v1/maintenances/<maintenance_id>/start", summary="Start a maintenance", tags=["maintenances"])
def start_maintenance(
    maintenance_id: str,
    body: Annotated[MaintenanceActionRequest | None, Body()] = None,
    idempotency_key: Annotated[str | None, http.IDEMPOTENCY_KEY] = None,
) -> Response[MaintenanceOut]:
    caller = http.caller("write:maintenances")
    request = body or MaintenanceActionRequest()

    def start() -> Response:
        maintenance = maintenances.transition(caller, maintenance_id, "start", request.message)
        return http.json_response(200, maintenance, {"ETag": etag(maintenance.version)})

    route = f"POST /api/v1/maintenances/{maintenance_id}/start"
    return http.idempotent(idempotency_key, caller, route, request, start)


handler = http.lambda_handler(app)
