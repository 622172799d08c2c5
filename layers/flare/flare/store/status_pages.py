"""Status pages and their slugs (claimed across the deployment: a slug is a page's public URL)."""

import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flare.status_pages.models import StatusPage
from flare.status_pages.snapshot import Snapshot, shed
from flare.store.client import client, table_name
from flare.store.codec import from_item, key, record, values
from flare.store.errors import ConditionFailed, SlugTaken, Stale
from flare.store.keys import SLUG_SK, STATUS_PAGE_SK, list_pk, slug_pk, status_page_pk
from flare.store.queries import Page, batch_get, query_collection
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


def pages_of(org_id: str, also: set[str] = frozenset()) -> list[StatusPage]:
    """Every page of the organisation, read strongly consistently: those its collection lists and `also` (ids
    just written, which the index may not show yet)."""
    page_ids, start = set(also), None
    while True:
        listed = query_collection(org_id, "STATUS_PAGES", limit=100, start=start)
        page_ids |= {item["id"] for item in listed.items}
        if (start := listed.next_position) is None:
            break
    keys = [key(status_page_pk(org_id, page_id), STATUS_PAGE_SK) for page_id in sorted(page_ids)]
    return [StatusPage.model_validate(item) for item in batch_get(keys, consistent=True)]


# ---- the public snapshot: kept on the slug's claim, so that a view reads one item ---------------------------

MAX_SNAPSHOT_BYTES = 350_000  # of compressed JSON; an item holds 400 KB


@dataclass(frozen=True)
class StoredSnapshot:
    page_id: str
    revision: int  # 0: none built yet
    snapshot: Snapshot | None


@lru_cache(maxsize=16)
def _decoded(blob: bytes) -> Snapshot:
    """The snapshot a stored blob holds, decoded once per warm function: a herd reads the same blob again and again.
    Shared between callers, so never changed in place (the projector builds a new one)."""
    return Snapshot.model_validate_json(zlib.decompress(blob))


def _encoded(snapshot: Snapshot) -> bytes:
    return zlib.compress(snapshot.model_dump_json().encode(), 6)


def snapshot_of(slug: str, *, consistent: bool = False) -> StoredSnapshot | None:
    """The snapshot under `slug` (None: no page has the slug). A view reads it eventually consistently (one
    read, half the price); the projector strongly, before it replaces it."""
    response = client().get_item(
        TableName=table_name(),
        Key=key(slug_pk(slug), SLUG_SK),
        ProjectionExpression="page_id, revision, #snapshot",
        ExpressionAttributeNames={"#snapshot": "snapshot"},  # a reserved word
        ConsistentRead=consistent,
    )
    item = response.get("Item")
    if not item:
        return None
    blob = item.get("snapshot", {}).get("B")
    snapshot = _decoded(blob) if blob else None
    return StoredSnapshot(item["page_id"]["S"], int(item.get("revision", {}).get("N", 0)), snapshot)


def save_snapshot(slug: str, page_id: str, snapshot: Snapshot, revision: int) -> bool:
    """Replace the snapshot under `slug` if the slug is still the page's and the snapshot still at `revision`;
    False otherwise (another build got there first, or the page moved). A snapshot too large for its item sheds
    its oldest history first."""
    encoded = _encoded(snapshot)
    while len(encoded) > MAX_SNAPSHOT_BYTES and (smaller := shed(snapshot)) is not None:
        snapshot, encoded = smaller, _encoded(smaller)
    try:
        client().update_item(
            TableName=table_name(),
            Key=key(slug_pk(slug), SLUG_SK),
            UpdateExpression="SET #snapshot = :snapshot, revision = :next",
            ConditionExpression="page_id = :page AND (attribute_not_exists(revision) OR revision = :revision)",
            ExpressionAttributeNames={"#snapshot": "snapshot"},
            ExpressionAttributeValues=values(
                {":snapshot": encoded, ":next": revision + 1, ":page": page_id, ":revision": revision}
            ),
        )
    except client().exceptions.ConditionalCheckFailedException:
        return False
    return True
