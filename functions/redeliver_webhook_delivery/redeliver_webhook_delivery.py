"""POST /api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver: one more attempt of a delivery, now
(admin). 202: the attempt is queued; it appears among the delivery's attempts once made."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from flare.access.auth import Caller
from flare.http.entry import lambda_handler
from flare.http.idempotency import idempotent
from flare.http.params import IDEMPOTENCY_KEY, authorized
from flare.http.responses import json_response
from flare.webhooks import use_cases as webhooks
from flare.webhooks.models import DeliveryOut

app = APIGatewayRestResolver(enable_validation=True)


@app.post(
    "/api/v1/webhooks/<webhook_id>/deliveries/<delivery_id>/redeliver",
    summary="Redeliver a webhook delivery",
    status_code=202,
    tags=["webhooks"],
)
def redeliver_webhook_delivery(
    caller: Annotated[Caller, authorized("admin")],
    webhook_id: str,
    delivery_id: str,
    idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None,
) -> Response[DeliveryOut]:
    def redeliver() -> Response:
        return json_response(202, webhooks.redeliver(caller, webhook_id, delivery_id))

    route = f"POST /api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"
    return idempotent(app, idempotency_key, caller, route, None, redeliver)


handler = lambda_handler(app)
