"""POST /api/v1/webhooks: a webhook subscription; its signing secret is shown once (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import create_route
from flare.webhooks import use_cases as webhooks
from flare.webhooks.models import CreateWebhookRequest, NewWebhookOut

app = APIGatewayRestResolver(enable_validation=True)
create_route(
    app,
    "create_webhook",
    "/api/v1/webhooks",
    scope="admin",
    create=webhooks.create_webhook,
    request=CreateWebhookRequest,
    response=NewWebhookOut,
    summary="Create a webhook subscription",
    description="Events of the chosen types (docs/events.md) are POSTed to `url`, signed as Standard Webhooks "
    "specifies with the `secret` this answer shows once.",
    tags=["webhooks"],
)
handler = lambda_handler(app)
