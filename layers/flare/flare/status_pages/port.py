"""What the status pages' use cases need from storage (flare.store.status_pages) in a function."""

from typing import Protocol

from flare.ports import Port
from flare.status_pages.models import StatusPage
from flare.status_pages.snapshot import Snapshot
from flare.store import status_pages as dynamodb_status_pages
from flare.store.queries import Page


class StatusPageStorage(Protocol):
    def save_status_page(self, before: StatusPage | None, after: StatusPage) -> None:
        """Create (`before` None) or replace the page at `before.version` (else Stale), its slug claimed across
        every organisation (else SlugTaken) and each service it shows checked (else ServiceMissing)."""

    def get_status_page(self, org_id: str, page_id: str) -> StatusPage | None: ...

    def list_status_pages(self, org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
        """A newest-first page of StatusPages."""

    def delete_status_page(self, page: StatusPage) -> None:
        """Delete the page at `page.version` (else Stale) and free its slug."""

    def pages_of(self, org_id: str, also: set[str] = frozenset()) -> list[StatusPage]:
        """Every page of the organisation (and the pages `also` names, just written), strongly consistent."""

    def snapshot_of(self, slug: str, *, consistent: bool = False) -> "dynamodb_status_pages.StoredSnapshot | None":
        """What the slug's claim holds: its page, the snapshot's revision (0: none yet) and the snapshot; None when
        no page has the slug."""

    def save_snapshot(self, slug: str, page_id: str, snapshot: Snapshot, revision: int) -> bool:
        """Replace the slug's snapshot if the slug is still `page_id`'s and the snapshot still at `revision`."""


status_pages: Port[StatusPageStorage] = Port(dynamodb_status_pages)
