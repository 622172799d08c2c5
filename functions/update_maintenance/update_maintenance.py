"""PATCH /api/v1/maintenances/{maintenance_id}: edit while scheduled; only the end while in progress."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import http, maintenances
from flare.models import MaintenanceOut, UpdateMaintenanceRequest
from flare.preconditions import etag

app = http.create_app()


@app.patch("/api/v1/maintenances/<maintenance_id>", summary="Update a maintenance", tags=["maintenances"])
def update_maintenance(
    maintenance_id: str,
    body: Annotated[UpdateMaintenanceRequest, Body()],
    if_match: Annotated[str | None, http.IF_MATCH] = None,
) -> Response[MaintenanceOut]:
    caller = http.caller("write:maintenances")
    maintenance = maintenances.update_maintenance(caller, maintenance_id, body, if_match=if_match)
    return http.json_response(200, maintenance, {"ETag": etag(maintenance.version)})


handler = http.lambda_handler(app)
