"""GET /api/v1/webhooks/{webhook_id}: a webhook subscription and its endpoint's health (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import get_route
from flare.webhooks import use_cases as webhooks
from flare.webhooks.models import WebhookOut

app = APIGatewayRestResolver(enable_validation=True)
get_route(
    app,
    "get_webhook",
    "/api/v1/webhooks/<webhook_id>",
    scope="admin",
    read=webhooks.get_webhook,
    response=WebhookOut,
    summary="Get a webhook subscription",
    tags=["webhooks"],
)
handler = lambda_handler(app)
