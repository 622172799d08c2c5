"""PATCH /api/v1/metrics/{metric_id}: rename, move to another service, change its severity (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.catalog import metrics
from flare.catalog.models import MetricOut, UpdateMetricRequest
from flare.http.entry import lambda_handler
from flare.http.routes import update_route

app = APIGatewayRestResolver(enable_validation=True)
update_route(
    app,
    "update_metric",
    "/api/v1/metrics/<metric_id>",
    scope="admin",
    update=metrics.update_metric,
    request=UpdateMetricRequest,
    response=MetricOut,
    summary="Update a metric",
    tags=["metrics"],
)
handler = lambda_handler(app)
