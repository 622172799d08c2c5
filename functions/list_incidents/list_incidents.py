"""GET /api/v1/incidents: newest first, filtered, paginated."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from flare.access.auth import Caller
from flare.fields import Severity, Status, Timestamp
from flare.http.entry import lambda_handler
from flare.http.params import CURSOR, LIMIT, authorized
from flare.http.responses import json_response
from flare.incidents import use_cases as incidents
from flare.incidents.models import IncidentList

app = APIGatewayRestResolver(enable_validation=True)


@app.get("/api/v1/incidents", summary="List incidents", tags=["incidents"])
def list_incidents(
    caller: Annotated[Caller, authorized("read:incidents")],
    status: Annotated[list[Status] | None, Query(description="Repeat to match any of several")] = None,
    severity: Annotated[list[Severity] | None, Query(description="Repeat to match any of several")] = None,
    lifecycle: Annotated[Literal["draft", "active", "resolved"] | None, Query()] = None,
    service: Annotated[str | None, Query(description="A service id")] = None,
    tag: Annotated[str | None, Query()] = None,
    source: Annotated[str | None, Query(description="Filed with this source")] = None,
    external_id: Annotated[str | None, Query(description="Filed with this external_id (dedupe key)")] = None,
    created_after: Annotated[Timestamp | None, Query()] = None,
    created_before: Annotated[Timestamp | None, Query()] = None,
    limit: Annotated[int, LIMIT] = 50,
    cursor: Annotated[str | None, CURSOR] = None,
) -> Response[IncidentList]:
    page = incidents.list_incidents(
        caller,
        status=status or [],
        severity=severity or [],
        lifecycle_filter=lifecycle,
        service=service,
        tag=tag,
        source=source,
        external_id=external_id,
        created_after=created_after,
        created_before=created_before,
        limit=limit,
        after=cursor,
    )
    return json_response(200, page)


handler = lambda_handler(app, paginates=True)
