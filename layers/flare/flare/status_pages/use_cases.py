"""Status pages as the admin API manages them: the slug (a public URL, unique across Flare), the services shown
and how. What the public sees of a page is not built yet (README, "Not built yet")."""

from dataclasses import dataclass

from flare import clock, cursor
from flare.access.auth import Caller
from flare.catalog import services
from flare.errors import Conflict, PreconditionFailed
from flare.ids import find_by_id, new_id
from flare.preconditions import patched
from flare.status_pages.models import (
    CreateStatusPageRequest,
    StatusPage,
    StatusPageList,
    StatusPageOut,
    UpdateStatusPageRequest,
)
from flare.status_pages.port import status_pages as storage
from flare.status_pages.snapshot import shows_incident
from flare.store.errors import ServiceMissing, SlugTaken, Stale


def page_out(page: StatusPage) -> StatusPageOut:
    return StatusPageOut(**page.model_dump(include=set(StatusPageOut.model_fields)))


def _saved(before: StatusPage | None, after: StatusPage) -> StatusPageOut:
    try:
        storage().save_status_page(before, after)
    except SlugTaken:
        raise Conflict(f"the slug {after.slug!r} is taken: status page addresses are unique across Flare") from None
    except ServiceMissing as missing:
        raise services.missing(missing.service_id, "components") from None
    except Stale:
        raise PreconditionFailed("the status page changed since it was read; fetch it and try again") from None
    return page_out(after)


def create_status_page(caller: Caller, request: CreateStatusPageRequest) -> StatusPageOut:
    now = clock.now()
    page = StatusPage(
        id=new_id("spg", now),
        org_id=caller.org_id,
        **request.model_dump(),
        created_at=now,
        updated_at=now,
        created_by=caller.key_id,
    )
    return _saved(None, page)


def _get(caller: Caller, page_id: str) -> StatusPage:
    return find_by_id(page_id, "spg", lambda given: storage().get_status_page(caller.org_id, given), "status page")


def get_status_page(caller: Caller, page_id: str) -> StatusPageOut:
    return page_out(_get(caller, page_id))


def list_status_pages(caller: Caller, *, limit: int, after: str | None) -> StatusPageList:
    items, next_cursor = cursor.paged(
        cursor.fingerprint(org=caller.org_id, list="status_pages"),
        after,
        lambda start: storage().list_status_pages(caller.org_id, limit=limit, start=start),
    )
    return StatusPageList(status_pages=[page_out(page) for page in items], next_cursor=next_cursor)


def update_status_page(
    caller: Caller, page_id: str, request: UpdateStatusPageRequest, if_match: str | None
) -> StatusPageOut:
    before = _get(caller, page_id)
    after = patched(before, request, if_match)
    return page_out(before) if after is None else _saved(before, after)


def delete_status_page(caller: Caller, page_id: str) -> None:
    """The page goes and its slug is free for any organisation to claim."""
    page = _get(caller, page_id)
    try:
        storage().delete_status_page(page)
    except Stale:
        raise PreconditionFailed("the status page changed since it was read; fetch it and try again") from None


@dataclass(frozen=True)
class _Shown:
    """What shows_incident reads of an incident."""

    id: str
    affected_services: list[str]
    published: bool
    published_at: object


def slugs_showing(org_id: str, incidents: list[dict]) -> dict[str, str]:
    """Incident id → the slug of the organisation's oldest status page that shows it (for links to its public
    page), for incidents as the API lists them (JSON). One read of the organisation's pages."""
    pages = sorted(storage().pages_of(org_id), key=lambda page: page.id)
    found = {}
    for incident in incidents:
        shown = _Shown(
            incident["id"],
            [service["id"] for service in incident.get("affected_services") or []],
            incident.get("published_at") is not None,
            incident.get("published_at"),
        )
        for page in pages:
            if shows_incident(shown, set(page.service_ids), frozenset(page.attached_incidents)):
                found[incident["id"]] = page.slug
                break
    return found
