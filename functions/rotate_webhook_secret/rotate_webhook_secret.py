"""POST /api/v1/webhooks/{webhook_id}/rotate-secret: a new signing secret, shown once; the previous one keeps
signing (both signatures are sent) for 24 hours (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import action_route
from flare.webhooks import use_cases as webhooks
from flare.webhooks.models import RotatedSecretOut

app = APIGatewayRestResolver(enable_validation=True)
action_route(
    app,
    "rotate_webhook_secret",
    "/api/v1/webhooks/<webhook_id>/rotate-secret",
    scope="admin",
    act=webhooks.rotate_secret,
    response=RotatedSecretOut,
    summary="Rotate a webhook's signing secret",
    tags=["webhooks"],
)
handler = lambda_handler(app)
