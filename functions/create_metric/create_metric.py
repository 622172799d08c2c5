"""POST /api/v1/metrics: register a monitored signal of a service (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import http, metrics
from flare.models import CreateMetricRequest, MetricOut
from flare.preconditions import etag

app = http.create_app()


@app.post("/api/v1/metrics", summary="Create a metric", status_code=201, tags=["metrics"])
def create_metric(
    body: Annotated[CreateMetricRequest, Body()], idempotency_key: Annotated[str | None, http.IDEMPOTENCY_KEY] = None
) -> Response[MetricOut]:
    caller = http.caller("admin")

    def create() -> Response:
        metric = metrics.create_metric(caller, body)
        headers = {"Location": f"/api/v1/metrics/{metric.id}", "ETag": etag(metric.version)}
        return http.json_response(201, metric, headers)

    return http.idempotent(idempotency_key, caller, "POST /api/v1/metrics", body, create)


handler = http.lambda_handler(app)
