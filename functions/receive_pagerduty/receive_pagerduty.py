"""POST /api/v1/integrations/pagerduty/{integration_id}

PagerDuty Webhooks v3 (X-PagerDuty-Signature verified): incident.triggered and incident.resolved.
"""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import alerts, http
from flare.models import AlertReceived

app = http.create_app()


@app.post(
    "/api/v1/integrations/pagerduty/<integration_id>",
    summary="Receive a PagerDuty delivery",
    description=alerts.RECEIVER_DESCRIPTION,
    responses=alerts.RECEIVER_RESPONSES,
    tags=["receivers"],
)
def receive_pagerduty(integration_id: str, body: Annotated[dict[str, Any], Body()]) -> Response[AlertReceived]:
    caller = http.caller("write:incidents")
    received = alerts.receive(caller, "pagerduty", integration_id, http.raw_body(), http.request_headers())
    return http.alert_response(received)


handler = http.lambda_handler(app)
