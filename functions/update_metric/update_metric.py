"""PATCH /api/v1/metrics/{metric_id}: rename, move to another service, change its severity (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import http, metrics
from flare.models import MetricOut, UpdateMetricRequest
from flare.preconditions import etag

app = http.create_app()


@app.patch("/api/v1/metrics/<metric_id>", summary="Update a metric", tags=["metrics"])
def update_metric(
    metric_id: str,
    body: Annotated[UpdateMetricRequest, Body()],
    if_match: Annotated[str | None, http.IF_MATCH] = None,
) -> Response[MetricOut]:
    metric = metrics.update_metric(http.caller("admin"), metric_id, body, if_match)
    return http.json_response(200, metric, {"ETag": etag(metric.version)})


handler = http.lambda_handler(app)
