"""DELETE /api/v1/metrics/{metric_id} (admin; the incidents filed from it stay)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.catalog import metrics
from flare.http.entry import lambda_handler
from flare.http.routes import delete_route

app = APIGatewayRestResolver(enable_validation=True)
delete_route(
    app,
    "delete_metric",
    "/api/v1/metrics/<metric_id>",
    scope="admin",
    delete=metrics.delete_metric,
    summary="Delete a metric",
    tags=["metrics"],
)
handler = lambda_handler(app)
