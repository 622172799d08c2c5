"""Dedupe claims: which incident a (source, external_id) points at (the rules are incidents.dedupe)."""

from datetime import UTC, datetime
from typing import Any

from flare.incidents.dedupe import Claim, ClaimChange
from flare.store.client import client, table_name
from flare.store.codec import from_item, key
from flare.store.keys import DEDUPE_SK, dedupe_pk, pair_digest
from flare.store.transactions import Transaction

# A claim may be taken when nobody holds it or its holder's claim has lapsed (dedupe: at its lapse, a repeat
# already opens a new incident).
CLAIM_IS_FREE = "attribute_not_exists(PK) OR lapses_at <= :now"


def claim_pk(org_id: str, source: str | None, external_id: str) -> str:
    return dedupe_pk(org_id, pair_digest(source, external_id))


def millis(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def claim_key(org_id: str, source: str | None, external_id: str) -> dict[str, Any]:
    return key(claim_pk(org_id, source, external_id), DEDUPE_SK)


def claim_item(org_id: str, source: str | None, external_id: str, claim: Claim) -> dict[str, Any]:
    item = {
        "PK": claim_pk(org_id, source, external_id),
        "SK": DEDUPE_SK,
        "incident_id": claim.incident_id,
        "resolved": claim.resolved,
    }
    return item | ({"lapses_at": millis(claim.lapses_at)} if claim.lapses_at else {})


def claim_from(item: dict[str, Any] | None) -> Claim | None:
    """The claim an item read holds (None for no item)."""
    if not item:
        return None
    lapses_at = item.get("lapses_at")
    return Claim(
        incident_id=item["incident_id"],
        resolved=bool(item.get("resolved")),
        lapses_at=datetime.fromtimestamp(int(lapses_at) / 1000, UTC) if lapses_at is not None else None,
    )


def get_claim(org_id: str, source: str | None, external_id: str) -> Claim | None:
    """The dedupe claim on (source, external_id), read strongly consistently."""
    response = client().get_item(
        TableName=table_name(), Key=claim_key(org_id, source, external_id), ConsistentRead=True
    )
    return claim_from(from_item(response["Item"])) if "Item" in response else None


def take(transaction: Transaction, org_id: str, source: str | None, external_id: str, claim: Claim, now: datetime):
    """Add to `transaction` taking the claim for a new incident: only if nobody holds it or it lapsed (the
    holder comes back with the failure)."""
    return transaction.put(
        "claim",
        claim_item(org_id, source, external_id, claim),
        CLAIM_IS_FREE,
        values={":now": millis(now)},
        return_old=True,
    )


def move(
    transaction: Transaction,
    org_id: str,
    source: str | None,
    external_id: str,
    incident_id: str,
    change: ClaimChange,
    now: datetime,
) -> Transaction:
    """Add to `transaction` the claim change of a changed incident (dedupe.claim_change): conditioned on the claim
    still naming it (or, reopening, on its being free), so it never touches another incident's claim."""
    condition = f"{CLAIM_IS_FREE} OR incident_id = :me" if change.or_free else "incident_id = :me"
    bound = {":me": incident_id} | ({":now": millis(now)} if change.or_free else {})
    if change.claim is None:
        return transaction.delete("claim", claim_pk(org_id, source, external_id), DEDUPE_SK, condition, values=bound)
    item = claim_item(org_id, source, external_id, change.claim)
    return transaction.put("claim", item, condition, values=bound)
