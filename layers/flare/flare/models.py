"""Pydantic models: request bodies (strict: unknown fields are errors), stored records and responses."""

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from flare.clock import iso
from flare.rules.vocabulary import parse_message_type, parse_severity, parse_status

# Documented limits (README, "Limits").
MAX_METADATA_BYTES = 8192
MAX_METADATA_DEPTH = 8
MAX_AFFECTED_SERVICES = 20
MAX_TAGS = 20
MAX_DESCRIPTION = 10_000

Scope = Literal["read:incidents", "write:incidents", "write:maintenances", "admin"]
Severity = Annotated[Literal["critical", "major", "minor", "low", "maintenance"], BeforeValidator(parse_severity)]
Status = Annotated[Literal["investigating", "identified", "monitoring", "resolved"], BeforeValidator(parse_status)]
MessageType = Annotated[
    Literal["investigating", "identified", "monitoring", "resolved", "update"],
    BeforeValidator(parse_message_type),
]
Lifecycle = Literal["draft", "active", "resolved"]
ServiceStatus = Literal["operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"]

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION)]
MessageText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_DESCRIPTION)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
ServiceId = Annotated[str, StringConstraints(pattern=r"^svc_[0-9A-HJKMNP-TV-Z]{26}$")]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _depth(value: Any) -> int:
    """How deep objects and lists nest in `value` (iteratively: a deep one must not exhaust the stack)."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth + 1)
            pending += [(child, depth + 1) for child in (node.values() if isinstance(node, dict) else node)]
    return deepest


def _bounded_metadata(value: dict[str, Any]) -> dict[str, Any]:
    if _depth(value) > MAX_METADATA_DEPTH:
        raise ValueError(f"must be nested at most {MAX_METADATA_DEPTH} levels deep")
    try:
        # allow_nan=False: 1e400 parses as inf, which JSON cannot carry back (it would come back as null).
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise ValueError("numbers must be finite (1e400 is out of range)") from None
    if len(text.encode()) > MAX_METADATA_BYTES:
        raise ValueError(f"must be at most {MAX_METADATA_BYTES} bytes as JSON")
    return value


Metadata = Annotated[dict[str, Any], AfterValidator(_bounded_metadata)]
ServiceIds = Annotated[list[ServiceId], Field(max_length=MAX_AFFECTED_SERVICES), AfterValidator(_unique)]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS), AfterValidator(_unique)]


_RFC3339_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]")


def _rfc3339(value: Any) -> Any:
    # Pydantic would also take a number (or a string of digits) as seconds since 1970: 12345 is not a time.
    if isinstance(value, datetime) or (isinstance(value, str) and _RFC3339_DATE_TIME.match(value)):
        return value
    raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2026-06-01T02:00:00Z")


def _in_utc(at: datetime) -> datetime:
    try:
        return at.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 or 9999-12-31T23:59-01:00: no such instant in UTC
        raise ValueError("must be between 0001-01-01 and 9999-12-31 in UTC") from None


Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339),
    AfterValidator(_in_utc),
    PlainSerializer(iso, return_type=str, when_used="json"),
]


# A request's booleans and integers are JSON's own: "yes", "on", 1 or "30" are refused, not coerced.
Flag = Annotated[bool, Strict()]
Count = Annotated[int, Strict()]


class RequestModel(BaseModel):
    # Unknown fields are errors: a typo must not pass silently.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


# ---- requests -------------------------------------------------------------------------------------------


class MessageInput(RequestModel):
    type: MessageType
    description: MessageText


class CreateIncidentRequest(RequestModel):
    title: Title
    description: Description = ""
    severity: Severity = "minor"
    status: Status | None = Field(None, description="Defaults to the initial message's type, else investigating")
    affected_services: ServiceIds = []
    publish: Flag = Field(False, description="Publish at once (lifecycle active) instead of filing a draft")
    initial_message: MessageInput | None = Field(
        None, description="The first timeline message; its type must agree with `status` (an `update` always does)"
    )
    source: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    tags: Tags = []
    metadata: Metadata = {}

    @field_validator("initial_message")
    @classmethod
    def _agrees_with_status(cls, message: MessageInput | None, info: ValidationInfo) -> MessageInput | None:
        status = info.data.get("status")
        if message and message.type != "update" and status and status != message.type:
            raise ValueError(f"type {message.type!r} disagrees with status {status!r}")
        return message

    @model_validator(mode="after")
    def _status_from_initial_message(self) -> "CreateIncidentRequest":
        if self.status is None:
            message = self.initial_message
            self.status = message.type if message and message.type != "update" else "investigating"
        return self


class PatchRequest(RequestModel):
    """A PATCH body: omit a field to leave it unchanged; null is refused, as it would silently erase it (except
    for the fields named in NULL_MEANS_ABSENT)."""

    NULL_MEANS_ABSENT: ClassVar[frozenset[str]] = frozenset()

    @staticmethod
    def _schema_without_null(schema: dict[str, Any], model: type["PatchRequest"]) -> None:
        # The fields are Optional only so that "omitted" can be told apart; the document must not offer null.
        for name, field_schema in schema.get("properties", {}).items():
            choices = field_schema.get("anyOf")
            if name in model.NULL_MEANS_ABSENT or not choices:
                continue
            kept = [choice for choice in choices if choice != {"type": "null"}]
            field_schema.pop("anyOf")
            field_schema.pop("default", None)
            field_schema.update(kept[0] if len(kept) == 1 else {"anyOf": kept})

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, json_schema_extra=_schema_without_null)

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULL_MEANS_ABSENT:
            raise ValueError("cannot be null (omit the field to leave it unchanged)")
        return value


class UpdateIncidentRequest(PatchRequest):
    NULL_MEANS_ABSENT = frozenset({"status", "message"})

    title: Title | None = None
    description: Description | None = None
    severity: Severity | None = None
    affected_services: ServiceIds | None = None
    tags: Tags | None = None
    metadata: Metadata | None = None
    status: Status | None = None
    message: MessageText | None = Field(
        None,
        validate_default=True,
        description="Timeline message: required with status; alone, it is posted as an `update`",
    )

    @field_validator("message")
    @classmethod
    def _required_with_status(cls, message: str | None, info: ValidationInfo) -> str | None:
        if message is None and info.data.get("status") is not None:
            raise ValueError("is required when status changes")
        return message


class CreateMessageRequest(RequestModel):
    type: MessageType
    description: MessageText


class ResolveIncidentRequest(RequestModel):
    description: MessageText = "This incident has been resolved."


class CreateServiceRequest(RequestModel):
    name: Name
    description: Description = ""


class UpdateServiceRequest(PatchRequest):
    name: Name | None = None
    description: Description | None = None


DEFAULT_RATE_LIMIT_PER_MINUTE = 1200
MAX_RATE_LIMIT_PER_MINUTE = 100_000


class CreateApiKeyRequest(RequestModel):
    name: Name
    scopes: Annotated[list[Scope], Field(min_length=1), AfterValidator(_unique)]
    rate_limit_per_minute: Count = Field(
        DEFAULT_RATE_LIMIT_PER_MINUTE, ge=1, le=MAX_RATE_LIMIT_PER_MINUTE, description="Requests per minute"
    )


# ---- stored records (what the store reads and writes) ---------------------------------------------------


def _actor_from_id(value: Any) -> Any:
    # Incidents filed before actors were recorded name only the API key (key_…) or the Slack user (slack:U…).
    if isinstance(value, str):
        kind, _, user = value.partition("slack:")
        return {"type": "slack_user", "id": user} if not kind and user else {"type": "api_key", "id": value}
    return value


class Actor(BaseModel):
    """Who did something: an API key, an alerting integration (its receiver), or a Slack user."""

    type: Literal["api_key", "integration", "slack_user"]
    id: str = Field(description="The API key's id, the integration's id, or the Slack user id")
    name: str | None = Field(None, description="The API key's or integration's name, or the Slack user name")


ActorRecord = Annotated[Actor, BeforeValidator(_actor_from_id)]


class Message(BaseModel):
    id: str
    incident_id: str
    type: MessageType
    description: str
    created_at: Timestamp
    created_by: str | None = Field(None, description="Id of the API key that posted it")


class Incident(BaseModel):
    id: str
    org_id: str
    title: str
    description: str
    severity: Severity
    status: Status
    published: bool
    affected_services: list[str]
    source: str | None = None
    external_id: str | None = None
    tags: list[str]
    metadata: dict[str, Any]
    reopen_count: int = 0
    version: int = 1
    created_at: Timestamp
    updated_at: Timestamp
    started_at: Timestamp
    published_at: Timestamp | None = None
    resolved_at: Timestamp | None = None
    created_by: ActorRecord | None = None
    # Its per-organisation number: the reference INC-<number> (None for incidents filed before references).
    number: int | None = None
    # Repeats of its (source, external_id) that were absorbed, counting the first report (rules.dedupe).
    occurrences: int = 1
    last_seen_at: Timestamp | None = None
    # Its dedupe policy (rules.dedupe.DedupePolicy), kept so that resolving and reopening can honour it.
    dedupe_window_until: Timestamp | None = None
    reopen_cooldown_seconds: int = 0
    # Whether the dedupe claim of its (source, external_id) may point at it (internal, never shown).
    dedupe_claimed: bool = False


class Service(BaseModel):
    id: str
    org_id: str
    name: str
    description: str
    # Severity of each active incident affecting the service, by incident id (see rules.rollup).
    impacts: dict[str, str] = {}
    version: int = 1
    created_at: Timestamp
    updated_at: Timestamp


class ApiKey(BaseModel):
    id: str
    org_id: str
    name: str
    scopes: list[Scope]
    secret_hash: str
    rate_limit_per_minute: int = DEFAULT_RATE_LIMIT_PER_MINUTE
    created_at: Timestamp
    revoked_at: Timestamp | None = None
    created_by: str | None = None


class Organisation(BaseModel):
    id: str
    name: str
    created_at: Timestamp


# ---- responses -------------------------------------------------------------------------------------------


class AffectedServiceOut(BaseModel):
    id: str
    name: str | None = Field(None, description="None when the service has been deleted")
    status: ServiceStatus | Literal["unknown"]


class IncidentSummary(BaseModel):
    """An incident as lists show it (no timeline)."""

    id: str
    reference: str | None = Field(
        description="Short per-organisation reference (INC-42), accepted in paths wherever the id is"
    )
    title: str
    description: str
    severity: Severity
    status: Status
    lifecycle: Lifecycle
    affected_services: list[AffectedServiceOut]
    source: str | None
    external_id: str | None
    tags: list[str]
    metadata: dict[str, Any]
    reopen_count: int
    occurrences: int = Field(description="Reports of its (source, external_id) absorbed into it, the first included")
    last_seen_at: Timestamp | None = Field(description="When its source last reported it")
    version: int
    created_at: Timestamp
    updated_at: Timestamp
    started_at: Timestamp
    published_at: Timestamp | None
    resolved_at: Timestamp | None
    created_by: Actor | None = Field(description="Who filed it (None for incidents filed before this was recorded)")


class IncidentOut(IncidentSummary):
    """The whole incident, with its timeline."""

    messages: list[Message] = Field(description="Newest first, at most 100 (all of them: GET .../messages)")


class IncidentList(BaseModel):
    incidents: list[IncidentSummary]
    next_cursor: str | None


class MessageList(BaseModel):
    messages: list[Message]
    next_cursor: str | None


class ServiceOut(BaseModel):
    id: str
    name: str
    description: str
    status: ServiceStatus
    active_incidents: list[str] = Field(description="Ids of the active incidents affecting the service")
    active_maintenances: list[str] = Field(description="Ids of the maintenances in progress on the service")
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class ServiceList(BaseModel):
    services: list[ServiceOut]
    next_cursor: str | None


class ApiKeyOut(BaseModel):
    id: str
    name: str
    scopes: list[Scope]
    rate_limit_per_minute: int
    created_at: Timestamp
    revoked_at: Timestamp | None


class NewApiKeyOut(ApiKeyOut):
    key: str = Field(description="The full key, shown only in this response: store it now")


class ApiKeyList(BaseModel):
    api_keys: list[ApiKeyOut]
    next_cursor: str | None


# ---- maintenances ---------------------------------------------------------------------------------------

MaintenanceStatus = Literal["scheduled", "in_progress", "completed", "cancelled"]


class CreateMaintenanceRequest(RequestModel):
    title: Title
    description: Description = ""
    scheduled_start_at: Timestamp
    scheduled_end_at: Timestamp = Field(description="After scheduled_start_at")
    affected_services: ServiceIds = []
    auto_start: Flag = Field(True, description="Start by itself at scheduled_start_at")
    auto_complete: Flag = Field(True, description="Complete by itself at scheduled_end_at")

    @field_validator("scheduled_end_at")
    @classmethod
    def _after_start(cls, end: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("scheduled_start_at")
        if start is not None and end <= start:
            raise ValueError("must be after scheduled_start_at")
        return end


class UpdateMaintenanceRequest(PatchRequest):
    title: Title | None = None
    description: Description | None = None
    affected_services: ServiceIds | None = None
    scheduled_start_at: Timestamp | None = Field(None, description="Before the (new or current) scheduled_end_at")
    scheduled_end_at: Timestamp | None = Field(None, description="After the (new or current) scheduled_start_at")
    auto_start: Flag | None = None
    auto_complete: Flag | None = None


class MaintenanceActionRequest(RequestModel):
    message: MessageText | None = Field(None, description="Recorded on the timeline with the transition")


class MaintenanceEvent(BaseModel):
    """A timeline entry of a maintenance: what happened, who did it, when."""

    id: str
    type: Literal["scheduled", "started", "completed", "cancelled", "updated"]
    message: str | None = None
    actor: str = Field(description="The API key id that did it, or `scheduler`")
    created_at: Timestamp
    scheduled_for: Timestamp | None = Field(None, description="For the scheduler's transitions: when it was due")


class Maintenance(BaseModel):
    id: str
    org_id: str
    title: str
    description: str
    status: MaintenanceStatus
    scheduled_start_at: Timestamp
    scheduled_end_at: Timestamp
    auto_start: bool
    auto_complete: bool
    affected_services: list[str]
    started_at: Timestamp | None = None
    completed_at: Timestamp | None = None
    cancelled_at: Timestamp | None = None
    version: int = 1
    created_at: Timestamp
    updated_at: Timestamp
    created_by: str | None = None


class MaintenanceSummary(BaseModel):
    id: str
    title: str
    description: str
    status: MaintenanceStatus
    scheduled_start_at: Timestamp
    scheduled_end_at: Timestamp
    auto_start: bool
    auto_complete: bool
    affected_services: list[AffectedServiceOut]
    started_at: Timestamp | None
    completed_at: Timestamp | None
    cancelled_at: Timestamp | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class MaintenanceOut(MaintenanceSummary):
    timeline: list[MaintenanceEvent] = Field(description="Newest first")


class MaintenanceList(BaseModel):
    maintenances: list[MaintenanceSummary]
    next_cursor: str | None


# ---- metrics -------------------------------------------------------------------------------------------


class CreateMetricRequest(RequestModel):
    name: Name
    service_id: ServiceId = Field(description="The service whose incidents this metric files")
    description: Description = ""
    severity: Severity = Field("minor", description="Severity of the incidents filed from this metric")


class UpdateMetricRequest(PatchRequest):
    name: Name | None = None
    service_id: ServiceId | None = None
    description: Description | None = None
    severity: Severity | None = None


class Metric(BaseModel):
    id: str
    org_id: str
    name: str
    service_id: str
    description: str
    severity: Severity
    version: int = 1
    created_at: Timestamp
    updated_at: Timestamp
    created_by: str | None = None


class MetricOut(BaseModel):
    id: str
    name: str
    service_id: str
    description: str
    severity: Severity
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class MetricList(BaseModel):
    metrics: list[MetricOut]
    next_cursor: str | None


# ---- integrations --------------------------------------------------------------------------------------

IntegrationType = Literal["alertmanager", "grafana", "datadog", "pagerduty", "opsgenie", "slack"]
# Senders that sign their requests: with a signing secret, Flare verifies every request (required for PagerDuty,
# which always signs; optional for Grafana, whose signing is opt-in).
SIGNING_TYPES: dict[str, bool] = {"grafana": False, "pagerduty": True, "slack": True}
SlackTeamId = Annotated[str, StringConstraints(pattern=r"^T[A-Z0-9]{2,30}$")]
MAX_COOLDOWN_MINUTES = 7 * 24 * 60
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
        30, ge=0, le=MAX_COOLDOWN_MINUTES, description="A firing this soon after its incident resolved reopens it"
    )
    publish: Flag = Field(False, description="Publish the incidents it opens at once (else they are drafts)")
    team_id: SlackTeamId | None = Field(
        None, validate_default=True, description="Slack only: the workspace (team) whose slash commands it takes"
    )
    signing_secret: SigningSecret | None = Field(
        None,
        validate_default=True,
        description="The sender's signing secret (PagerDuty: required; Grafana: optional); never shown again",
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
