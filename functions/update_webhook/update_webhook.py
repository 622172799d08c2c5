"""PATCH /api/v1/webhooks/{webhook_id}: change a subscription's URL, event types or description, or enable or
disable it (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import update_route
from flare.webhooks import use_cases as webhooks
from flare.webhooks.models import UpdateWebhookRequest, WebhookOut

app = APIGatewayRestResolver(enable_validation=True)
update_route(
    app,
    "update_webhook",
    "/api/v1/webhooks/<webhook_id>",
    scope="admin",
    update=webhooks.update_webhook,
    request=UpdateWebhookRequest,
    response=WebhookOut,
    summary="Update a webhook subscription",
    tags=["webhooks"],
)
handler = lambda_handler(app)
