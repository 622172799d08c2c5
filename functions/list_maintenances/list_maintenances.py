"""GET /api/v1/maintenances: newest first, filtered, paginated."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from flare import http, maintenances
from flare.models import MaintenanceList, Timestamp

app = http.create_app()


@app.get("/api/v1/maintenances", summary="List maintenances", tags=["maintenances"])
def list_maintenances(
    status: Annotated[
        list[Literal["scheduled", "in_progress", "completed", "cancelled"]] | None,
        Query(description="Repeat to match any of several"),
    ] = None,
    service: Annotated[str | None, Query(description="A service id")] = None,
    starts_after: Annotated[Timestamp | None, Query()] = None,
    starts_before: Annotated[Timestamp | None, Query()] = None,
    limit: Annotated[int, http.LIMIT] = 50,
    cursor: Annotated[str | None, http.CURSOR] = None,
) -> Response[MaintenanceList]:
    page = maintenances.list_maintenances(
        http.caller("read:incidents"),
        status=status or [],
        service=service,
        starts_after=starts_after,
        starts_before=starts_before,
        limit=limit,
        after=cursor,
    )
    return http.json_response(200, page)


handler = http.lambda_handler(app, paginates=True)
