"""Incidents and their timeline messages: request bodies (strict), stored records and responses."""

from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator, model_validator

from flare.fields import (
    MAX_EXTERNAL_ID,
    MAX_SOURCE,
    Actor,
    ActorRecord,
    AffectedServiceOut,
    Description,
    Flag,
    Lifecycle,
    MessageText,
    MessageType,
    Metadata,
    PatchRequest,
    RequestModel,
    ServiceIds,
    Severity,
    Status,
    Tags,
    Timestamp,
    Title,
)


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
    source: Annotated[str, StringConstraints(min_length=1, max_length=MAX_SOURCE)] | None = None
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=MAX_EXTERNAL_ID)] | None = None
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
