"""Slack slash commands: verify the request, find the organisation by its workspace, run the command, answer
with a Slack message (Block Kit blocks plus plain `text`).

Slack shows whatever comes back, so every mistake (an unknown command or reference, a bad severity, an empty
title) is an `ephemeral` explanation with the usage, never an HTTP error; only an unverified request is refused
(401), and then nothing is done. The Slack user is the actor on the timeline (`created_by: slack:<user id>`).
"""

from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import parse_qs

from pydantic import ValidationError

from flare import clock
from flare.access.auth import Caller, effective_scopes
from flare.alerting import port, signatures, slash_commands
from flare.alerting.models import SlackMessage
from flare.alerting.slack_text import escaped, mention
from flare.alerting.slash_commands import Declare, Help, Mistake, Resolve, Status, Update
from flare.catalog import services
from flare.errors import Conflict, NotFound, Unauthorized
from flare.fields import Actor
from flare.incidents import filing
from flare.incidents import use_cases as incidents
from flare.incidents.models import CreateIncidentRequest, CreateMessageRequest, IncidentSummary, ResolveIncidentRequest

MAX_LISTED = 20
SEVERITY_MARK = {"critical": "🔴", "major": "🟠", "minor": "🟡", "low": "🔵", "maintenance": "🛠️"}


def handle_command(body: bytes, headers: Mapping[str, str]) -> SlackMessage:
    """Run one slash command (`body` exactly as Slack sent it, form-encoded)."""
    form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)

    def field(name: str) -> str:
        return (form.get(name) or [""])[0]

    integration = port.integrations().slack_integration(field("team_id")) if field("team_id") else None
    if integration is None or integration.signing_secret is None:
        raise Unauthorized("request not verified: this Slack workspace is not connected to Flare")
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        signatures.verify_slack(
            integration.signing_secret,
            body,
            lowered.get(signatures.SLACK_SIGNATURE_HEADER.lower()),
            lowered.get(signatures.SLACK_TIMESTAMP_HEADER.lower()),
            clock.now().timestamp(),
        )
    except signatures.SignatureError as error:
        raise Unauthorized(f"request not verified: {error}") from None
    user = field("user_id")
    caller = Caller(
        org_id=integration.org_id,
        key_id=f"slack:{user}",
        scopes=effective_scopes(["write:incidents"]),
        actor=Actor(type="slack_user", id=user, name=field("user_name") or None),
    )
    command = slash_commands.parse(field("text"))
    if not isinstance(command, Declare | Update | Resolve):  # reads and mistakes change nothing, replayed or not
        return _run(caller, command, user, field("command") or "/incident")

    # A signed request is good for its whole 5-minute window: the same one again (a replay) is not run again.
    now = clock.now()
    team = f"slack:{integration.team_id}"
    signature = lowered.get(signatures.SLACK_SIGNATURE_HEADER.lower(), "")
    replay_ends = now + timedelta(seconds=2 * signatures.MAX_AGE_SECONDS)  # past the window on either side
    if not port.deliveries().claim_delivery(integration.org_id, team, signature, now=now, expires_at=replay_ends):
        replayed = "This exact request was received before; it was not run again."
        return _ephemeral(replayed, [replayed])
    answer = _run(caller, command, user, field("command") or "/incident")
    if answer.response_type == "ephemeral":  # a mistake: it did nothing, so it leaves nothing behind
        port.deliveries().release_delivery(integration.org_id, team, signature)
    return answer


def _run(caller: Caller, command: slash_commands.Command, user: str, slash: str) -> SlackMessage:
    try:
        match command:
            case Declare():
                return _declare(caller, command, user)
            case Update():
                return _update(caller, command, user)
            case Resolve():
                return _resolve(caller, command, user)
            case Status():
                return _status(caller)
            case Mistake():
                return _mistake(command.reason, slash)
            case Help():
                return _ephemeral("How to use Flare from Slack:", [_usage(slash)])
    except _Refused as refused:
        return _mistake(refused.reason, slash)
    except NotFound:
        reference = getattr(command, "reference", "that incident")
        return _mistake(f"There is no incident {reference} in this organisation.", slash)
    except Conflict as conflict:
        return _mistake(conflict.detail, slash)


class _Refused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _declare(caller: Caller, command: Declare, user: str) -> SlackMessage:
    by_name = services.ids_by_name(caller, list(command.services))
    unknown = [name for name in command.services if name.casefold() not in by_name]
    if unknown:
        raise _Refused(f"There is no service named {', '.join(f'`{name}`' for name in unknown)}.")
    try:
        request = CreateIncidentRequest(
            title=command.title,
            affected_services=list(dict.fromkeys(by_name[name.casefold()] for name in command.services)),
            publish=True,  # a person declared it in a channel: it is real (drafts are for alerting tools)
            initial_message={"type": "investigating", "description": f"Declared in Slack by {mention(user)}."},
            **({"severity": command.severity} if command.severity else {}),
        )
    except ValidationError as error:
        raise _Refused(f"That incident cannot be filed: {error.errors()[0]['msg']}.") from None
    incident, _created = filing.create_incident(caller, request)
    mark = SEVERITY_MARK[incident.severity]
    headline = f"{mark} *{incident.reference}* declared by {mention(user)}: *{escaped(incident.title)}*"
    return _in_channel(f"{incident.reference} declared: {incident.title}", [headline, _facts(incident)])


def _update(caller: Caller, command: Update, user: str) -> SlackMessage:
    message = CreateMessageRequest(type=command.status or "update", description=command.text)
    incidents.add_message(caller, command.reference, message)
    incident = incidents.get_incident(caller, command.reference)
    said = f" → *{command.status}*" if command.status else ""
    return _in_channel(
        f"{incident.reference} {command.status or 'update'}: {command.text}",
        [
            f"*{incident.reference}* · {escaped(incident.title)}{said}",
            f"> {escaped(command.text)}",
            f"{mention(user)} · {_facts(incident)}",
        ],
    )


def _resolve(caller: Caller, command: Resolve, user: str) -> SlackMessage:
    text = command.text or f"Resolved in Slack by {mention(user)}."
    incident = incidents.resolve_incident(caller, command.reference, ResolveIncidentRequest(description=text))
    lines = [f"✅ *{incident.reference}* resolved by {mention(user)}: {escaped(incident.title)}"]
    if command.text:
        lines.append(f"> {escaped(command.text)}")
    return _in_channel(f"{incident.reference} resolved: {incident.title}", lines)


def _status(caller: Caller) -> SlackMessage:
    found = incidents.list_incidents(caller, lifecycle_filter="active", limit=MAX_LISTED).incidents
    if not found:
        return _ephemeral("No active incidents.", ["No active incidents. :white_check_mark:"])
    lines = [f"*{len(found)}{'+' if len(found) == MAX_LISTED else ''} active incident(s)*"]
    lines += [
        f"{SEVERITY_MARK[incident.severity]} *{incident.reference or incident.id}* · {escaped(incident.title)} · "
        f"{incident.status}" + (f" · {_services(incident)}" if incident.affected_services else "")
        for incident in found
    ]
    return _ephemeral(f"{len(found)} active incident(s)", lines)


def _facts(incident: IncidentSummary) -> str:
    facts = [f"severity {incident.severity}", f"status {incident.status}"]
    if incident.affected_services:
        facts.append(_services(incident))
    return " · ".join(facts)


def _services(incident: IncidentSummary) -> str:
    return "services " + ", ".join(escaped(service.name or service.id) for service in incident.affected_services)


def _usage(slash: str) -> str:
    return "```" + escaped(slash_commands.USAGE.replace("/incident", slash)) + "```"


def _mistake(reason: str, slash: str) -> SlackMessage:
    """`reason` may quote what was typed: escaped here, once."""
    return _ephemeral(reason, [escaped(reason), _usage(slash)])


def _in_channel(text: str, lines: list[str]) -> SlackMessage:
    return _message("in_channel", text, lines)


def _ephemeral(text: str, lines: list[str]) -> SlackMessage:
    return _message("ephemeral", text, lines)


def _message(response_type: str, text: str, lines: list[str]) -> SlackMessage:
    """`text` as plain text (escaped here), `lines` as mrkdwn sections (their user content escaped already)."""
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": line[:3000]}} for line in lines]
    return SlackMessage(response_type=response_type, text=escaped(text)[:3000], blocks=blocks[:50])
