"""Integrations (alert senders and Slack workspaces), what a receiver answers, and Slack messages."""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator

from flare.alerting.senders import SENDERS
from flare.alerting.senders.sender import Signing
from flare.fields import (
    DEFAULT_COOLDOWN_MINUTES,
    MAX_COOLDOWN_MINUTES,
    Count,
    Flag,
    Name,
    RequestModel,
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
# "PagerDuty: required; Grafana: optional": the senders that sign, those that must first.
_SIGNING_SENDERS = "; ".join(
    f"{sender.title}: {sender.signs}"
    for sender in sorted((s for s in SENDERS.values() if s.signs), key=lambda sender: sender.signs != "required")
)
SlackTeamId = Annotated[str, StringConstraints(pattern=r"^T[A-Z0-9]{2,30}$")]


SourceValue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
SigningSecret = Annotated[str, StringConstraints(min_length=8, max_length=256)]


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
        None, validate_default=True, description="Slack only: the workspace (team) whose slash commands it takes"
    )
    signing_secret: SigningSecret | None = Field(
        None,
        validate_default=True,
        description=f"The sender's signing secret ({_SIGNING_SENDERS}); never shown again",
    )

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
    created_at: Timestamp
    created_by: str | None = None


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
    created_at: Timestamp


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
class AlertContext:
    """What a receiver needs to act on a delivery, read together (alerting.receiving)."""

    integration: Integration | None
    claim: Claim | None  # the dedupe claim on the delivery's key
    service_ids: dict[str, str]  # casefolded service name → id, for the names the alert gave
    delivered_before: bool = False  # the delivery's own id was recorded (store.deliveries)
