"""GET /api/v1/metrics/{metric_id}."""

from aws_lambda_powertools.event_handler import Response

from flare import http, metrics
from flare.models import MetricOut
from flare.preconditions import etag

app = http.create_app()


@app.get("/api/v1/metrics/<metric_id>", summary="Get a metric", tags=["metrics"])
def get_metric(metric_id: str) -> Response[MetricOut]:
    metric = metrics.get_metric(http.caller("read:incidents"), metric_id)
    return http.json_response(200, metric, {"ETag": etag(metric.version)})


handler = http.lambda_handler(app)
