"""GET /api/v1/metrics: newest first, optionally those of one service."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from flare.access.auth import Caller
from flare.catalog import metrics
from flare.catalog.models import MetricList
from flare.http.entry import lambda_handler
from flare.http.params import CURSOR, LIMIT, authorized
from flare.http.responses import json_response

app = APIGatewayRestResolver(enable_validation=True)


@app.get("/api/v1/metrics", summary="List metrics", tags=["metrics"])
def list_metrics(
    caller: Annotated[Caller, authorized("read:incidents")],
    service_id: Annotated[str | None, Query(description="Only the metrics of this service")] = None,
    limit: Annotated[int, LIMIT] = 50,
    cursor: Annotated[str | None, CURSOR] = None,
) -> Response[MetricList]:
    found = metrics.list_metrics(caller, service_id=service_id, limit=limit, after=cursor)
    return json_response(200, found)


handler = lambda_handler(app, paginates=True)
