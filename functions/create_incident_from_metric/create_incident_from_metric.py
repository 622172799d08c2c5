"""POST /api/v1/incidents/from-metric/{metric_id}: a draft incident on the metric's service, once per 30 minutes."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from flare.access.auth import Caller
from flare.catalog import metrics
from flare.http.entry import lambda_handler
from flare.http.idempotency import idempotent
from flare.http.params import IDEMPOTENCY_KEY, authorized
from flare.http.responses import json_response
from flare.incidents.models import IncidentOut
from flare.preconditions import etag

app = APIGatewayRestResolver(enable_validation=True)


@app.post(
    "/api/v1/incidents/from-metric/<metric_id>",
    summary="File a draft incident from a metric",
    description="201 with a new draft incident on the metric's service; 200 with the same incident when called "
    "again within 30 minutes of the first call while that incident is unresolved (the call is counted in "
    "`occurrences`). After the window, or once it is resolved, the next call opens a new one.",
    status_code=201,
    responses={
        201: {"description": "Created"},
        200: {"description": "The incident this metric opened less than 30 minutes ago"},
    },
    tags=["incidents", "metrics"],
)
def create_incident_from_metric(
    caller: Annotated[Caller, authorized("write:incidents")],
    metric_id: str,
    idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None,
) -> Response[IncidentOut]:

    def open_incident() -> Response:
        incident, created = metrics.open_incident(caller, metric_id)
        headers = {"Location": f"/api/v1/incidents/{incident.id}", "ETag": etag(incident.version)}
        return json_response(201 if created else 200, incident, headers)

    route = f"POST /api/v1/incidents/from-metric/{metric_id}"
    return idempotent(app, idempotency_key, caller, route, None, open_incident)


handler = lambda_handler(app)
