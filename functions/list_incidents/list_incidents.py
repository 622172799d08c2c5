"""GET /api/v1/incidents: newest first, filtered, paginated."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from flare import http, incidents
from flare.models import IncidentList, Severity, Status, Timestamp

app = http.create_app()


@app.get("/api/v1/incidents", summary="List incidents", tags=["incidents"])
def list_incidents(
    status: Annotated[list[Status] | None, Query(description="Repeat to match any of several")] = None,
    severity: Annotated[list[Severity] | None, Query(description="Repeat to match any of several")] = None,
    lifecycle: Annotated[Literal["draft", "active", "resolved"] | None, Query()] = None,
    service: Annotated[str | None, Query(description="A service id")] = None,
    tag: Annotated[str | None, Query()] = None,
    source: Annotated[str | None, Query(description="Filed with this source")] = None,
    external_id: Annotated[str | None, Query(description="Filed with this external_id (dedupe key)")] = None,
    created_after: Annotated[Timestamp | None, Query()] = None,
    created_before: Annotated[Timestamp | None, Query()] = None,
    limit: Annotated[int, http.LIMIT] = 50,
    cursor: Annotated[str | None, http.CURSOR] = None,
) -> Response[IncidentList]:
    page = incidents.list_incidents(
        http.caller("read:incidents"),
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
    return http.json_response(200, page)


handler = http.lambda_handler(app, paginates=True)
