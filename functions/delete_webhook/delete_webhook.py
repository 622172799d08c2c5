"""DELETE /api/v1/webhooks/{webhook_id}: the subscription and its delivery records go (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import delete_route
from flare.webhooks import use_cases as webhooks

app = APIGatewayRestResolver(enable_validation=True)
delete_route(
    app,
    "delete_webhook",
    "/api/v1/webhooks/<webhook_id>",
    scope="admin",
    delete=webhooks.delete_webhook,
    summary="Delete a webhook subscription",
    tags=["webhooks"],
)
handler = lambda_handler(app)
