"""What the status pages' use cases need from storage (flare.store.status_pages) in a function."""

from typing import Protocol

from flare.ports import Port
from flare.status_pages.models import StatusPage
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


status_pages: Port[StatusPageStorage] = Port(dynamodb_status_pages)
