"""POST /api/v1/integrations/slack/commands: Slack's slash command `/incident …` (no API key: Slack signs it)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Form

from flare.alerting import slack
from flare.alerting.models import SlackMessage
from flare.http.entry import lambda_handler
from flare.http.params import SIGNED_REQUEST, SignedRequest
from flare.http.responses import json_response

app = APIGatewayRestResolver(enable_validation=True)  # Slack's request URL is what the user configured


@app.post(
    "/api/v1/integrations/slack/commands",
    summary="Run a Slack slash command",
    description="Slack's slash-command request (form-encoded), verified with X-Slack-Signature and "
    "X-Slack-Request-Timestamp (at most 5 minutes old) against the signing secret of the Slack integration that "
    "`team_id` names; unverified → 401 and nothing done. Answers a Slack message: `in_channel` for declare, "
    "update and resolve; `ephemeral` for status, help and mistakes.",
    tags=["receivers"],
)
def receive_slack_command(
    # Optional here, so that an unsigned request missing them is a 401 like any unverified one, not a 422.
    team_id: Annotated[str, Form(description="The Slack workspace")] = "",
    user_id: Annotated[str, Form(description="Who typed the command")] = "",
    text: Annotated[str, Form(description="What followed the command")] = "",
    command: Annotated[str, Form(description="The command, e.g. /incident")] = "/incident",
    signed: Annotated[SignedRequest, SIGNED_REQUEST] = None,
) -> Response[SlackMessage]:
    # The form's fields are read again from the signed bytes: only verified input is acted on.
    return json_response(200, slack.handle_command(signed.body, signed.headers))


handler = lambda_handler(app, form=True, strict_query=False)  # Slack's request URL is what the user configured
