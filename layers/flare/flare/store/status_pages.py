"""Status pages and their slugs (claimed across the deployment: a slug is a page's public URL)."""

from typing import Any

from flare.status_pages.models import StatusPage
from flare.store.client import client, table_name
from flare.store.codec import from_item, key, record
from flare.store.errors import ConditionFailed, SlugTaken, Stale
from flare.store.keys import SLUG_SK, STATUS_PAGE_SK, list_pk, slug_pk, status_page_pk
from flare.store.queries import Page, query_collection
from flare.store.services import NO_IMPACT, raise_if_service_missing, record_impact
from flare.store.transactions import Transaction


def _item(page: StatusPage) -> dict[str, Any]:
    return record(page) | {
        "PK": status_page_pk(page.org_id, page.id),
        "SK": STATUS_PAGE_SK,
        "GSI1PK": list_pk(page.org_id, "STATUS_PAGES"),
        "GSI1SK": page.id,
        "kind": "status_page",
    }


def _slug_claim(page: StatusPage) -> dict[str, Any]:
    return {"PK": slug_pk(page.slug), "SK": SLUG_SK, "org_id": page.org_id, "page_id": page.id}


def save_status_page(before: StatusPage | None, after: StatusPage) -> None:
    """Create (`before` None) or replace the page if it is still at `before.version`, with its slug claimed (a
    new slug claimed, the old one freed) and each service it shows checked to exist, all at once. Stale when
    another writer got there first; SlugTaken; ServiceMissing names a service that is not the organisation's."""
    if before is None:
        transaction = Transaction().put("page", _item(after), "attribute_not_exists(PK)")
    else:
        transaction = Transaction().put("page", _item(after), "version = :version", values={":version": before.version})
    if before is None or before.slug != after.slug:
        transaction.put("slug", _slug_claim(after), "attribute_not_exists(PK)")
    if before is not None and before.slug != after.slug:
        transaction.delete("old slug", slug_pk(before.slug), SLUG_SK, "page_id = :page", values={":page": after.id})
    record_impact(transaction, after.org_id, after.id, NO_IMPACT, after.service_ids)
    try:
        transaction.commit()
    except ConditionFailed as failure:
        if failure.label == "slug":
            raise SlugTaken(after.slug) from None
        raise_if_service_missing(failure)
        raise Stale() from None


def get_status_page(org_id: str, page_id: str) -> StatusPage | None:
    response = client().get_item(TableName=table_name(), Key=key(status_page_pk(org_id, page_id), STATUS_PAGE_SK))
    item = response.get("Item")
    return StatusPage.model_validate(from_item(item)) if item else None


def list_status_pages(org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
    page = query_collection(org_id, "STATUS_PAGES", limit=limit, start=start)
    return Page([StatusPage.model_validate(item) for item in page.items], page.next_position)


def delete_status_page(page: StatusPage) -> None:
    """Delete the page at `page.version` (else Stale) and free its slug."""
    transaction = Transaction().delete(
        "page",
        status_page_pk(page.org_id, page.id),
        STATUS_PAGE_SK,
        "version = :version",
        values={":version": page.version},
    )
    transaction.delete("slug", slug_pk(page.slug), SLUG_SK, "page_id = :page", values={":page": page.id})
    try:
        transaction.commit()
    except ConditionFailed:
        raise Stale() from None
