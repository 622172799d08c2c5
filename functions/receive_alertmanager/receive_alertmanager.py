"""POST /api/v1/integrations/alertmanager/{integration_id}

Prometheus Alertmanager's webhook (payload version 4; also Grafana's Alertmanager-compatible contact point).
"""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import alerts, http
from flare.models import AlertReceived

app = http.create_app()


@app.post(
    "/api/v1/integrations/alertmanager/<integration_id>",
    summary="Receive a Alertmanager delivery",
    description=alerts.RECEIVER_DESCRIPTION,
    responses=alerts.RECEIVER_RESPONSES,
    tags=["receivers"],
)
def receive_alertmanager(integration_id: str, body: Annotated[dict[str, Any], Body()]) -> Response[AlertReceived]:
    caller = http.caller("write:incidents")
    received = alerts.receive(caller, "alertmanager", integration_id, http.raw_body(), http.request_headers())
    return http.alert_response(received)


handler = http.lambda_handler(app)
