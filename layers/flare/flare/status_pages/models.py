"""Status pages: request bodies (strict), stored records and responses."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from flare.fields import (
    DEFAULT_HISTORY_DAYS,
    MAX_PAGE_SERVICES,
    AttachedIncidents,
    Description,
    Flag,
    HistoryDays,
    Name,
    PatchRequest,
    RequestModel,
    ServiceId,
    Slug,
    Timestamp,
    TimeZone,
    WebUrl,
)


class ComponentGroup(RequestModel):
    """Services shown together, in this order: under a group heading (whose status is its worst member's), or
    ungrouped when `group` is null."""

    group: Name | None = Field(None, description="The group's heading; null: the services are shown ungrouped")
    service_ids: Annotated[list[ServiceId], Field(min_length=1, max_length=MAX_PAGE_SERVICES)]


def _each_service_once(groups: list[ComponentGroup]) -> list[ComponentGroup]:
    shown = [service_id for group in groups for service_id in group.service_ids]
    if len(shown) > MAX_PAGE_SERVICES:
        raise ValueError(f"a page shows at most {MAX_PAGE_SERVICES} services ({len(shown)} given)")
    if repeated := sorted({service_id for service_id in shown if shown.count(service_id) > 1}):
        raise ValueError(f"each service is shown once: {', '.join(repeated)} appear more than once")
    headings = [group.group.casefold() for group in groups if group.group is not None]
    if len(headings) != len(set(headings)):
        raise ValueError("group headings must differ")
    return groups


Components = Annotated[list[ComponentGroup], AfterValidator(_each_service_once)]


class CreateStatusPageRequest(RequestModel):
    slug: Slug = Field(description="The page's public address, /status/{slug}: unique across Flare")
    name: Name
    description: Description = ""
    time_zone: TimeZone = Field("UTC", description="IANA time zone the page shows its times in")
    support_url: WebUrl = Field("", description='Where readers get help (http or https); "" for none')
    components: Components = Field(default_factory=list, description="The services shown, in order")
    show_uptime: Flag = True
    history_days: HistoryDays = Field(DEFAULT_HISTORY_DAYS, description="Days of history and uptime shown")
    attached_incidents: AttachedIncidents = Field(
        default_factory=list,
        description="Incidents shown on the page whatever services they affect (once published; a draft never is)",
    )


class UpdateStatusPageRequest(PatchRequest):
    slug: Slug | None = None
    name: Name | None = None
    description: Description | None = None
    time_zone: TimeZone | None = None
    support_url: WebUrl | None = None
    components: Components | None = None
    show_uptime: Flag | None = None
    history_days: HistoryDays | None = None
    attached_incidents: AttachedIncidents | None = None


class StatusPageOut(BaseModel):
    id: str
    slug: str
    name: str
    description: str
    time_zone: str
    support_url: str
    components: list[ComponentGroup]
    show_uptime: bool
    history_days: int
    attached_incidents: list[str] = []
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class StatusPage(StatusPageOut):
    """The stored page: what the API shows of it, and whose it is."""

    org_id: str
    version: int = 1
    created_by: str | None = None

    @property
    def service_ids(self) -> list[str]:
        return [service_id for group in self.components for service_id in group.service_ids]


class StatusPageList(BaseModel):
    status_pages: list[StatusPageOut]
    next_cursor: str | None
