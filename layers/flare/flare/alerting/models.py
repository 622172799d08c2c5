"""Integrations (alert senders and Slack workspaces), what a receiver answers, and Slack messages."""

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, ValidationInfo, field_validator

from flare import settings
from flare.alerting.announcements_rules import MAX_SERVICE_CHANNELS
from flare.alerting.senders import SENDERS
from flare.alerting.senders.sender import Signing
from flare.fields import (
    DEFAULT_COOLDOWN_MINUTES,
    MAX_COOLDOWN_MINUTES,
    MAX_URL,
    Count,
    Flag,
    Name,
    PatchRequest,
    RequestModel,
    ServiceId,
    ServiceIds,
    Severity,
    Timestamp,
)
from flare.incidents.dedupe import Claim

# Integration types that are not alert senders, and how they sign: Slack's slash commands (alerting/slack.py),
# always signed. This is the one place where Slack joins the senders' registry.
NON_SENDER_TYPES: dict[str, Signing] = {"slack": "required"}
IntegrationType = Literal[(*SENDERS, *NON_SENDER_TYPES)]
_SIGNING: dict[str, Signing | None] = {name: sender.signs for name, sender in SENDERS.items()} | NON_SENDER_TYPES
# Types that sign their requests: with a signing secret, Flare verifies every request. True where the secret is
# required (the type always signs: PagerDuty, Slack), False where it is optional (opt-in: Grafana).
SIGNING_TYPES: dict[str, bool] = {name: signs == "required" for name, signs in _SIGNING.items() if signs}
# "required for pagerduty, slack; optional for grafana; refused for alertmanager, …": the rule, for the docs.
_SIGNING_RULE = "; ".join(
    f"{rule} for {', '.join(kinds)}"
    for rule, kinds in (
        ("required", [kind for kind, required in SIGNING_TYPES.items() if required]),
        ("optional", [kind for kind, required in SIGNING_TYPES.items() if not required]),
        ("refused", [kind for kind in _SIGNING if kind not in SIGNING_TYPES]),
    )
    if kinds
)
SlackTeamId = Annotated[str, StringConstraints(pattern=r"^T[A-Z0-9]{2,30}$")]


SourceValue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
SigningSecret = Annotated[str, StringConstraints(min_length=8, max_length=256)]

# ---- Slack announcements (alerting.announcements): how an integration posts, and where ---------------------

_BOT_TOKEN = r"xoxb-[A-Za-z0-9-]{10,250}"
# A channel's id (C…, G… private, D… a direct message) or its #name (Slack: lowercase, digits, - and _, 80 at most).
_CHANNEL = r"[CGD][A-Z0-9]{6,20}|#[a-z0-9][a-z0-9._-]{0,79}"
BotToken = Annotated[str, StringConstraints(pattern=rf"^{_BOT_TOKEN}$")]
SlackChannel = Annotated[str, StringConstraints(pattern=rf"^(?:{_CHANNEL})$")]
# In a PATCH, "" removes the value.
BotTokenOrNone = Annotated[str, StringConstraints(pattern=rf"^(?:{_BOT_TOKEN})?$")]
SlackChannelOrNone = Annotated[str, StringConstraints(pattern=rf"^(?:{_CHANNEL})?$")]
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _incoming_webhook_url(url: str) -> str:
    """Slack's incoming webhook (https://hooks.slack.com/services/…); on the local stack, also http(s) to this
    host (a stand-in). Flare posts to nothing else: the URL cannot aim a request elsewhere."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    credentials = parts.username is not None or parts.password is not None
    clean = not credentials and not any(character.isspace() for character in url)
    slack = parts.scheme == "https" and parts.hostname == "hooks.slack.com" and port in (None, 443)
    if clean and slack and parts.path.startswith("/services/"):
        return url
    local = settings.settings().outbound_allow_loopback
    if clean and local and parts.scheme in ("http", "https") and parts.hostname in LOOPBACK_HOSTS and port != -1:
        return url
    raise ValueError(
        "must be a Slack incoming webhook URL (https://hooks.slack.com/services/…)"
        + (" or, on the local stack, an http URL on this host" if local else "")
    )


IncomingWebhookUrl = Annotated[str, StringConstraints(max_length=MAX_URL), AfterValidator(_incoming_webhook_url)]
IncomingWebhookUrlOrNone = Annotated[
    str, StringConstraints(max_length=MAX_URL), AfterValidator(lambda url: url and _incoming_webhook_url(url))
]
ServiceChannels = Annotated[dict[ServiceId, SlackChannel], Field(max_length=MAX_SERVICE_CHANNELS)]

_BOT_TOKEN_HELP = (
    "Slack only: the app's bot token (xoxb-…, scopes chat:write and chat:write.public) that announces incidents "
    "in channels; never shown again. Not with incoming_webhook_url; needs default_channel"
)
_WEBHOOK_HELP = (
    "Slack only: an incoming webhook URL (https://hooks.slack.com/services/…) that announces incidents in its own "
    "channel, follow-ups as new messages; never shown again. Not with bot_token"
)
_DEFAULT_CHANNEL_HELP = (
    "Slack only, required with bot_token: the channel (an id such as C0123ABCD, or #name) incidents are "
    "announced in when none of their services has a channel of its own"
)
_SERVICE_CHANNELS_HELP = (
    "Slack only, with bot_token: {service id: channel}, at most 50; an incident is announced in the channels of "
    "its services (each once), else in default_channel"
)


class CreateIntegrationRequest(RequestModel):
    type: IntegrationType
    name: Name
    default_services: ServiceIds = Field([], description="Services of its incidents when the alert names none")
    default_severity: Severity = Field("major", description="When the alert's severity maps to none")
    severity_mapping: Annotated[dict[SourceValue, Severity], Field(max_length=50)] = Field(
        {}, description="The sender's severities (case-insensitive) → Flare's, over the type's defaults"
    )
    cooldown_minutes: Count = Field(
        DEFAULT_COOLDOWN_MINUTES,
        ge=0,
        le=MAX_COOLDOWN_MINUTES,
        description="A firing this soon after its incident resolved reopens it",
    )
    publish: Flag = Field(False, description="Publish the incidents it opens at once (else they are drafts)")
    team_id: SlackTeamId | None = Field(
        None,
        validate_default=True,
        description="Required for slack, refused for the others: the workspace (team id, T…) whose slash "
        "commands it takes",
    )
    signing_secret: SigningSecret | None = Field(
        None,
        validate_default=True,
        description=f"The sender's signing secret, {_SIGNING_RULE} (those do not sign); never shown again",
    )
    bot_token: BotToken | None = Field(None, description=_BOT_TOKEN_HELP)
    incoming_webhook_url: IncomingWebhookUrl | None = Field(None, description=_WEBHOOK_HELP)
    default_channel: SlackChannel | None = Field(None, description=_DEFAULT_CHANNEL_HELP)
    service_channels: ServiceChannels = Field({}, description=_SERVICE_CHANNELS_HELP)

    @field_validator("severity_mapping")
    @classmethod
    def _one_entry_per_value(cls, mapping: dict[str, str]) -> dict[str, str]:
        folded = [value.casefold() for value in mapping]
        if clash := next((value for value in mapping if folded.count(value.casefold()) > 1), None):
            raise ValueError(f"maps {clash!r} twice (values are matched case-insensitively)")
        return mapping

    @field_validator("team_id")
    @classmethod
    def _for_slack_only(cls, team_id: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("type")
        if team_id is None and kind == "slack":
            raise ValueError("is required for slack: the workspace's team id (T…), from Slack's app settings")
        if team_id is not None and kind != "slack":
            raise ValueError(f"is for slack integrations only, not {kind}")
        return team_id

    @field_validator("signing_secret")
    @classmethod
    def _where_the_sender_signs(cls, secret: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("type")
        if secret is None and SIGNING_TYPES.get(kind):
            raise ValueError(f"is required for {kind}: copy it from {kind}'s webhook subscription")
        if secret is not None and kind not in SIGNING_TYPES:
            raise ValueError(f"is not used by {kind}, which does not sign its requests")
        return secret


class Integration(BaseModel):
    id: str
    org_id: str
    type: IntegrationType
    name: str
    default_services: list[str]
    default_severity: Severity
    severity_mapping: dict[str, str]
    cooldown_minutes: int
    publish: bool
    team_id: str | None = None
    signing_secret: str | None = None
    bot_token: str | None = None
    incoming_webhook_url: str | None = None
    default_channel: str | None = None
    service_channels: dict[str, str] = {}
    version: int = 1  # integrations made before they could change have none stored: 1
    created_at: Timestamp
    updated_at: Timestamp | None = None
    created_by: str | None = None


class UpdateIntegrationRequest(PatchRequest):
    """Its name and Slack announcement settings; the others stay as the integration was created."""

    name: Name | None = None
    bot_token: BotTokenOrNone | None = Field(None, description=_BOT_TOKEN_HELP + '; "" removes it')
    incoming_webhook_url: IncomingWebhookUrlOrNone | None = Field(None, description=_WEBHOOK_HELP + '; "" removes it')
    default_channel: SlackChannelOrNone | None = Field(None, description=_DEFAULT_CHANNEL_HELP + '; "" removes it')
    service_channels: ServiceChannels | None = Field(None, description=_SERVICE_CHANNELS_HELP + " (replaced whole)")


class IntegrationOut(BaseModel):
    id: str
    type: IntegrationType
    name: str
    webhook_path: str = Field(description="Where the sender posts, with an API key that may write:incidents")
    default_services: list[str]
    default_severity: Severity
    severity_mapping: dict[str, str]
    cooldown_minutes: int
    publish: bool
    team_id: str | None = Field(description="Slack: the workspace it answers")
    signed: bool = Field(description="Requests must carry the sender's signature")
    announces: bool = Field(
        description="Slack: incidents are announced in channels (it has a bot token or an incoming webhook URL)"
    )
    announces_with: Literal["bot_token", "incoming_webhook"] | None = Field(
        description="Slack: how it announces (the token or URL itself is never shown)"
    )
    default_channel: str | None = Field(description="Slack, with a bot token: where incidents are announced")
    service_channels: dict[str, str] = Field(description="Slack, with a bot token: {service id: its channel}")
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class NewIntegrationOut(IntegrationOut):
    signing_secret: str | None = Field(description="The signing secret, shown only in this response")


class IntegrationList(BaseModel):
    integrations: list[IntegrationOut]
    next_cursor: str | None


AlertOutcome = Literal["created", "absorbed", "reopened", "resolved", "ignored"]


class AlertReceived(BaseModel):
    """What a receiver did with one delivery."""

    outcome: AlertOutcome
    incident_id: str | None = Field(description="The incident the delivery landed on (None when ignored)")
    reference: str | None = Field(None, description="That incident's short reference (INC-42)")
    occurrences: int | None = Field(description="Reports counted on that incident")
    detail: str


class SlackMessage(BaseModel):
    """A Slack message as a slash command's answer (https://api.slack.com/interactivity/slash-commands)."""

    response_type: Literal["in_channel", "ephemeral"]
    text: str = Field(description="Plain text: notifications and clients without blocks")
    blocks: list[dict[str, Any]] = Field(description="Block Kit blocks")


@dataclass(frozen=True)
class SlackThread:
    """Where an incident was announced in one channel of one integration (store.slack_threads)."""

    ts: str | None  # the announcement's (or first post's) ts: follow-ups reply in its thread; None for a webhook
    channel_id: str | None  # the channel as Slack named it in its answer (C…), for a channel given as #name
    posted: frozenset[str]  # the deliveries posted there already


@dataclass(frozen=True)
class AlertContext:
    """What a receiver needs to act on a delivery, read together (alerting.receiving)."""

    integration: Integration | None
    claim: Claim | None  # the dedupe claim on the delivery's key
    service_ids: dict[str, str]  # casefolded service name → id, for the names the alert gave
    delivered_before: bool = False  # the delivery's own id was recorded (store.deliveries)
