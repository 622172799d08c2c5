"""Maintenances and their timeline: request bodies (strict), stored records and responses."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from flare.fields import (
    AffectedServiceOut,
    Description,
    Flag,
    MaintenanceStatus,
    MessageText,
    PatchRequest,
    RequestModel,
    ServiceIds,
    Timestamp,
    Title,
)


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
