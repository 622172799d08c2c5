"""POST /api/v1/metrics: register a monitored signal of a service (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.catalog import metrics
from flare.catalog.models import CreateMetricRequest, MetricOut
from flare.http.entry import lambda_handler
from flare.http.routes import create_route

app = APIGatewayRestResolver(enable_validation=True)
create_route(
    app,
    "create_metric",
    "/api/v1/metrics",
    scope="admin",
    create=metrics.create_metric,
    request=CreateMetricRequest,
    response=MetricOut,
    summary="Create a metric",
    tags=["metrics"],
)
handler = lambda_handler(app)
