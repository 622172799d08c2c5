"""GET /api/v1/webhooks/{webhook_id}/deliveries: every delivery with its attempts (status, response, latency, next
retry), newest event first (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from flare.access.auth import Caller
from flare.fields import DEFAULT_PAGE
from flare.http.entry import lambda_handler
from flare.http.params import CURSOR, LIMIT, authorized
from flare.http.responses import json_response
from flare.webhooks import use_cases as webhooks
from flare.webhooks.models import DeliveryList

app = APIGatewayRestResolver(enable_validation=True)


@app.get("/api/v1/webhooks/<webhook_id>/deliveries", summary="List a webhook's deliveries", tags=["webhooks"])
def list_webhook_deliveries(
    caller: Annotated[Caller, authorized("admin")],
    webhook_id: str,
    limit: Annotated[int, LIMIT] = DEFAULT_PAGE,
    cursor: Annotated[str | None, CURSOR] = None,
) -> Response[DeliveryList]:
    return json_response(200, webhooks.list_deliveries(caller, webhook_id, limit=limit, after=cursor))


handler = lambda_handler(app, paginates=True)
