"""POST /api/v1/incidents/{incident_id}/messages: post to the timeline (resolves or reopens by type)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare.access.auth import Caller
from flare.http.entry import lambda_handler
from flare.http.idempotency import idempotent
from flare.http.params import IDEMPOTENCY_KEY, authorized
from flare.http.responses import json_response
from flare.incidents import use_cases as incidents
from flare.incidents.models import CreateMessageRequest, Message

app = APIGatewayRestResolver(enable_validation=True)


@app.post(
    "/api/v1/incidents/<incident_id>/messages",
    summary="Post a timeline message",
    description="A `resolved` message resolves the incident; any other status message on a resolved incident "
    "reopens it.",
    status_code=201,
    tags=["incidents"],
)
def create_incident_message(
    caller: Annotated[Caller, authorized("write:incidents")],
    incident_id: str,
    body: Annotated[CreateMessageRequest, Body()],
    idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None,
) -> Response[Message]:
    # By id, whichever way the path names it (INC-7, inc-7): an Idempotency-Key is bound to the incident.
    incident_id = incidents.id_in_path(caller, incident_id)

    def post() -> Response:
        message = incidents.add_message(caller, incident_id, body)
        return json_response(201, message, {"Location": f"/api/v1/incidents/{incident_id}/messages"})

    return idempotent(app, idempotency_key, caller, f"POST /api/v1/incidents/{incident_id}/messages", body, post)


handler = lambda_handler(app)
