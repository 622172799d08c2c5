"""GET /api/v1/metrics/{metric_id}."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.catalog import metrics
from flare.catalog.models import MetricOut
from flare.http.entry import lambda_handler
from flare.http.routes import get_route

app = APIGatewayRestResolver(enable_validation=True)
get_route(
    app,
    "get_metric",
    "/api/v1/metrics/<metric_id>",
    scope="read:incidents",
    read=metrics.get_metric,
    response=MetricOut,
    summary="Get a metric",
    tags=["metrics"],
)
handler = lambda_handler(app)
