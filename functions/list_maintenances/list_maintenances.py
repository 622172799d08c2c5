"""GET /api/v1/maintenances: newest first, filtered, paginated."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from flare.access.auth import Caller
from flare.fields import Timestamp
from flare.http.entry import lambda_handler
from flare.http.params import CURSOR, LIMIT, authorized
from flare.http.responses import json_response
from flare.maintenances import use_cases as maintenances
from flare.maintenances.models import MaintenanceList

app = APIGatewayRestResolver(enable_validation=True)


@app.get("/api/v1/maintenances", summary="List maintenances", tags=["maintenances"])
def list_maintenances(
    caller: Annotated[Caller, authorized("read:incidents")],
    status: Annotated[
        list[Literal["scheduled", "in_progress", "completed", "cancelled"]] | None,
        Query(description="Repeat to match any of several"),
    ] = None,
    service: Annotated[str | None, Query(description="A service id")] = None,
    starts_after: Annotated[Timestamp | None, Query()] = None,
    starts_before: Annotated[Timestamp | None, Query()] = None,
    limit: Annotated[int, LIMIT] = 50,
    cursor: Annotated[str | None, CURSOR] = None,
) -> Response[MaintenanceList]:
    page = maintenances.list_maintenances(
        caller,
        status=status or [],
        service=service,
        starts_after=starts_after,
        starts_before=starts_before,
        limit=limit,
        after=cursor,
    )
    return json_response(200, page)


handler = lambda_handler(app, paginates=True)
