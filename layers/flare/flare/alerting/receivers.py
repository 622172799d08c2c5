"""The alert receivers' routes: one Lambda per sender, all the same but for the sender
(flare.alerting.receiving does the work). A receiver's module is:

    app = APIGatewayRestResolver(enable_validation=True)
    handler = receivers.receiver(app, "alertmanager")
"""

from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare.access.auth import Caller
from flare.alerting import receiving as alerts
from flare.alerting import senders
from flare.alerting.models import AlertReceived
from flare.http.entry import lambda_handler
from flare.http.params import SIGNED_REQUEST, SignedRequest, authorized
from flare.http.responses import json_response

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


def receiver(app: APIGatewayRestResolver, kind: str) -> Callable[[dict, Any], dict]:
    """The Lambda handler of `kind`'s receiver, `POST /api/v1/integrations/<kind>/{integration_id}`, on `app`."""

    @app.post(
        f"/api/v1/integrations/{kind}/<integration_id>",
        summary=f"Receive a delivery from {senders.SENDERS[kind].title}",
        description=DESCRIPTION,
        responses=RESPONSES,
        tags=["receivers"],
        operation_id=f"receive_{kind}",
    )
    def receive(
        integration_id: str,
        body: Annotated[dict[str, Any], Body()],
        caller: Annotated[Caller, authorized("write:incidents")],
        signed: Annotated[SignedRequest, SIGNED_REQUEST],
    ) -> Response[AlertReceived]:
        # `body` is validated as a JSON object; the sender's payload is read from the exact bytes it signed.
        received = alerts.receive(caller, kind, integration_id, signed.body, signed.headers)
        created = received.outcome == "created"
        headers = {"Location": f"/api/v1/incidents/{received.incident_id}"} if created else {}
        return json_response(201 if created else 200, received, headers)

    return lambda_handler(app, strict_query=False)  # a sender may add its own query to the URL it is given
