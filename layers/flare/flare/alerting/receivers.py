"""The alert receivers' routes: one Lambda per sender, all the same but for the sender (flare.alerts does the
work). A receiver's module is:

    app, handler = receivers.receiver("alertmanager")
"""

from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import alerts, http
from flare.models import AlertReceived

DESCRIPTION = (
    "201 when the delivery opened an incident; 200 when it was absorbed by the incident its dedupe key points at "
    "(`occurrences` goes up), reopened it (fired again within the integration's cooldown after resolving), "
    "resolved it, or was ignored (the detail says why). 401 for a bad key or signature, 404 for an unknown "
    "integration of this type, 400/422 for a malformed body; never a 5xx for a well-formed delivery."
)
RESPONSES = {
    201: {"description": "An incident was opened"},
    200: {"description": "Absorbed, reopened, resolved or ignored"},
}


def receiver(kind: str) -> tuple[APIGatewayRestResolver, Callable[[dict, Any], dict]]:
    """The resolver and Lambda handler of `kind`'s receiver, `POST /api/v1/integrations/<kind>/{integration_id}`."""
    app = http.create_app(strict_query=False)  # a sender may add its own query to the URL it is given

    @app.post(
        f"/api/v1/integrations/{kind}/<integration_id>",
        summary=f"Receive a delivery from {alerts.SENDERS[kind]}",
        description=DESCRIPTION,
        responses=RESPONSES,
        tags=["receivers"],
        operation_id=f"receive_{kind}",
    )
    def receive(integration_id: str, body: Annotated[dict[str, Any], Body()]) -> Response[AlertReceived]:
        # `body` is validated as a JSON object; the sender's payload is read from the exact bytes it signed.
        caller = http.caller("write:incidents")
        received = alerts.receive(caller, kind, integration_id, http.raw_body(), http.request_headers())
        created = received.outcome == "created"
        headers = {"Location": f"/api/v1/incidents/{received.incident_id}"} if created else {}
        return http.json_response(201 if created else 200, received, headers)

    return app, http.lambda_handler(app)
