"""GET /api/v1/webhooks: the organisation's webhook subscriptions, newest first (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import list_route
from flare.webhooks import use_cases as webhooks
from flare.webhooks.models import WebhookList

app = APIGatewayRestResolver(enable_validation=True)
list_route(
    app,
    "list_webhooks",
    "/api/v1/webhooks",
    scope="admin",
    page=webhooks.list_webhooks,
    response=WebhookList,
    summary="List webhook subscriptions",
    tags=["webhooks"],
)
handler = lambda_handler(app, paginates=True)
