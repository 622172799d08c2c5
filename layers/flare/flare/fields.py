"""What every feature shares: its limits, its vocabularies (and the lenient aliases that alerting and chat tools
send), and the constrained field types of requests and records. Each limit, vocabulary and default is defined here
once; the models, the rules, the receivers and the store take them from here."""

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
)

from flare.clock import iso

# ---- limits (README, "Limits") --------------------------------------------------------------------------

MAX_BODY_BYTES = 256 * 1024
MAX_JSON_DEPTH = 64  # far beyond any real body; keeps every reader of it clear of Python's recursion limit
MAX_TITLE = 255
MAX_NAME = 100  # services, metrics, integrations, API keys
MAX_DESCRIPTION = 10_000
MAX_TAG = 64
MAX_TAGS = 20
MAX_AFFECTED_SERVICES = 20
MAX_METADATA_BYTES = 8192
MAX_METADATA_DEPTH = 8
MAX_SOURCE = 100
MAX_EXTERNAL_ID = 255
MAX_IDEMPOTENCY_KEY = 255
MAX_PAGE = 100
DEFAULT_PAGE = 50
DEFAULT_RATE_LIMIT_PER_MINUTE = 1200
MAX_RATE_LIMIT_PER_MINUTE = 100_000
DEFAULT_COOLDOWN_MINUTES = 30
MAX_COOLDOWN_MINUTES = 7 * 24 * 60
MAX_SLUG = 63  # a DNS label: a slug can become a subdomain
MAX_PAGE_SERVICES = 50  # services one status page shows (its write checks each exists, in one transaction)
MAX_ATTACHED_INCIDENTS = 20  # incidents a status page shows whatever services they affect
DEFAULT_HISTORY_DAYS = 90
MAX_HISTORY_DAYS = 365
MAX_URL = 2048

# ---- vocabularies -----------------------------------------------------------------------------------------

SEVERITIES = ("critical", "major", "minor", "low", "maintenance")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES, start=1)}
SEVERITY_HELP = "must be one of critical, major, minor, low, maintenance (also 1-4, Sev 1-4, P1-P4, DOWN, DEGRADED)"

STATUSES = ("investigating", "identified", "monitoring", "resolved")
STATUS_HELP = "must be one of investigating, identified, monitoring, resolved (also open)"

MESSAGE_TYPES = ("investigating", "identified", "monitoring", "resolved", "update")
MESSAGE_TYPE_HELP = "must be one of investigating, identified, monitoring, resolved, update"

LIFECYCLES = ("draft", "active", "resolved")
SERVICE_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance")
MAINTENANCE_STATUSES = ("scheduled", "in_progress", "completed", "cancelled")
SCOPES = ("read:incidents", "write:incidents", "write:maintenances", "admin")

_RANKED_ALIAS = re.compile(r"^(?:sev[\s_-]?|p)?([1-4])$")
_WORD_ALIASES = {"down": "critical", "degraded": "minor"}


def parse_severity(value: object) -> str:
    """Canonical severity for any accepted spelling; ValueError (with the accepted list) otherwise."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(SEVERITY_HELP)
    text = str(value).strip().lower()
    if text in SEVERITY_RANK:
        return text
    if text in _WORD_ALIASES:
        return _WORD_ALIASES[text]
    match = _RANKED_ALIAS.match(text)
    if match:
        return SEVERITIES[int(match.group(1)) - 1]
    raise ValueError(SEVERITY_HELP)


def parse_status(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(STATUS_HELP)
    text = value.strip().lower()
    if text == "open":
        return "investigating"
    if text in STATUSES:
        return text
    raise ValueError(STATUS_HELP)


def parse_message_type(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(MESSAGE_TYPE_HELP)
    text = value.strip().lower()
    if text == "open":
        return "investigating"
    if text in MESSAGE_TYPES:
        return text
    raise ValueError(MESSAGE_TYPE_HELP)


# ---- short references -----------------------------------------------------------------------------------

_REFERENCE = re.compile(r"^(INC-)?([1-9][0-9]{0,17})$", re.IGNORECASE)


def incident_reference(number: int | None) -> str | None:
    """An incident's short reference: INC-<its number in the organisation>."""
    return f"INC-{number}" if number is not None else None


def reference_number(given: str, *, bare: bool = False) -> int | None:
    """The number of `INC-42` (any case), or of `42` too when `bare`; None when `given` is not a reference."""
    match = _REFERENCE.match(given or "")
    if not match or (match.group(1) is None and not bare):
        return None
    return int(match.group(2))


# ---- field types ------------------------------------------------------------------------------------------

Scope = Literal[SCOPES]
Severity = Annotated[Literal[SEVERITIES], BeforeValidator(parse_severity)]
Status = Annotated[Literal[STATUSES], BeforeValidator(parse_status)]
MessageType = Annotated[Literal[MESSAGE_TYPES], BeforeValidator(parse_message_type)]
Lifecycle = Literal[LIFECYCLES]
ServiceStatus = Literal[SERVICE_STATUSES]
MaintenanceStatus = Literal[MAINTENANCE_STATUSES]

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)]
Description = Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION)]
MessageText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_DESCRIPTION)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TAG)]
ServiceId = Annotated[str, StringConstraints(pattern=r"^svc_[0-9A-HJKMNP-TV-Z]{26}$")]
IncidentId = Annotated[str, StringConstraints(pattern=r"^inc_[0-9A-HJKMNP-TV-Z]{26}$")]


def unique(values: list[str]) -> list[str]:
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


SLUG_PATTERN = rf"^[a-z0-9](?:[a-z0-9-]{{0,{MAX_SLUG - 2}}}[a-z0-9])?$"
_SLUG = re.compile(SLUG_PATTERN)


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(
            f"must be 1 to {MAX_SLUG} lowercase letters, digits and inner hyphens (it is the page's public URL)"
        )
    return value


def _time_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only the routes that take a time zone pay for it

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError("must be an IANA time zone, e.g. Europe/Paris or UTC") from None
    return value


def _web_url(value: str) -> str:
    if value and not re.match(r"^https?://[^\s/?#]+[^\s]*$", value):
        raise ValueError('must be an http(s) URL, or "" for none')
    return value


# The pattern is documented (clients can check a slug before sending it) and checked by _slug, for a clear error.
Slug = Annotated[
    str,
    StringConstraints(max_length=MAX_SLUG),
    AfterValidator(_slug),
    Field(json_schema_extra={"pattern": SLUG_PATTERN}),
]
TimeZone = Annotated[str, StringConstraints(max_length=64), AfterValidator(_time_zone)]
WebUrl = Annotated[str, StringConstraints(max_length=MAX_URL), AfterValidator(_web_url)]
HistoryDays = Annotated[int, Strict(), Field(ge=1, le=MAX_HISTORY_DAYS)]
ServiceIds = Annotated[list[ServiceId], Field(max_length=MAX_AFFECTED_SERVICES), AfterValidator(unique)]
AttachedIncidents = Annotated[list[IncidentId], Field(max_length=MAX_ATTACHED_INCIDENTS), AfterValidator(unique)]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS), AfterValidator(unique)]


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


# ---- who did it, and the services affected (records and responses of several features) ----------------


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


class AffectedServiceOut(BaseModel):
    id: str
    name: str | None = Field(None, description="None when the service has been deleted")
    status: ServiceStatus | Literal["unknown"]
