"""GET /api/v1/metrics: newest first, optionally those of one service."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from flare import http, metrics
from flare.models import MetricList

app = http.create_app()


@app.get("/api/v1/metrics", summary="List metrics", tags=["metrics"])
def list_metrics(
    service_id: Annotated[str | None, Query(description="Only the metrics of this service")] = None,
    limit: Annotated[int, http.LIMIT] = 50,
    cursor: Annotated[str | None, http.CURSOR] = None,
) -> Response[MetricList]:
    found = metrics.list_metrics(http.caller("read:incidents"), service_id=service_id, limit=limit, after=cursor)
    return http.json_response(200, found)


handler = http.lambda_handler(app, paginates=True)
