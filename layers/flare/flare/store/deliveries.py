"""Deliveries: what a sender (or anyone replaying it) sent before, kept until `expires_at` (TTL)."""

from datetime import datetime
from typing import Any

from flare.store.client import client, table_name
from flare.store.codec import key, to_item, values
from flare.store.keys import DELIVERY_SK, delivery_pk, pair_digest


def delivery_key(org_id: str, scope: str, delivery_id: str) -> dict[str, Any]:
    """One delivery of one sender: `scope` is the integration (or Slack workspace) it came through."""
    return key(delivery_pk(org_id, pair_digest(scope, delivery_id)), DELIVERY_SK)


def _item(org_id: str, scope: str, delivery_id: str, expires_at: datetime) -> dict[str, Any]:
    pk = delivery_pk(org_id, pair_digest(scope, delivery_id))
    return to_item({"PK": pk, "SK": DELIVERY_SK, "expires_at": int(expires_at.timestamp())})


def taken_before(item: dict[str, Any] | None, now: datetime) -> bool:
    """Whether a delivery item read says it was taken and has not expired (TTL deletes late)."""
    return item is not None and item["expires_at"] > now.timestamp()


def record_delivery(org_id: str, scope: str, delivery_id: str, *, expires_at: datetime) -> None:
    """Remember a delivery that was acted on, until `expires_at` (TTL)."""
    client().put_item(TableName=table_name(), Item=_item(org_id, scope, delivery_id, expires_at))


def release_delivery(org_id: str, scope: str, delivery_id: str) -> None:
    """Forget a claimed delivery that turned out to do nothing."""
    client().delete_item(TableName=table_name(), Key=delivery_key(org_id, scope, delivery_id))


def claim_delivery(org_id: str, scope: str, delivery_id: str, *, now: datetime, expires_at: datetime) -> bool:
    """Take a delivery before acting on it (one conditional PutItem): False when it was taken before and that
    claim has not expired (DynamoDB's TTL deletes late, so the expiry is checked here too)."""
    try:
        client().put_item(
            TableName=table_name(),
            Item=_item(org_id, scope, delivery_id, expires_at),
            ConditionExpression="attribute_not_exists(PK) OR expires_at < :now",
            ExpressionAttributeValues=values({":now": int(now.timestamp())}),
        )
    except client().exceptions.ConditionalCheckFailedException:
        return False
    return True
