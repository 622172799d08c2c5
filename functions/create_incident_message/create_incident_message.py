"""POST /api/v1/incidents/{incident_id}/messages: post to the timeline (resolves or reopens by type)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import http, incidents
from flare.models import CreateMessageRequest, Message

app = http.create_app()


@app.post(
    "/api/v1/incidents/<incident_id>/messages",
    summary="Post a timeline message",
    description="A `resolved` message resolves the incident; any other status message on a resolved incident "
    "reopens it.",
    status_code=201,
    tags=["incidents"],
)
def create_incident_message(
    incident_id: str,
    body: Annotated[CreateMessageRequest, Body()],
    idempotency_key: Annotated[str | None, http.IDEMPOTENCY_KEY] = None,
) -> Response[Message]:
    caller = http.caller("write:incidents")
    # By id, whichever way the path names it (INC-7, inc-7): an Idempotency-Key is bound to the incident.
    incident_id = incidents.id_in_path(caller, incident_id)

    def post() -> Response:
        message = incidents.add_message(caller, incident_id, body)
        return http.json_response(201, message, {"Location": f"/api/v1/incidents/{incident_id}/messages"})

    return http.idempotent(idempotency_key, caller, f"POST /api/v1/incidents/{incident_id}/messages", body, post)


handler = http.lambda_handler(app)
