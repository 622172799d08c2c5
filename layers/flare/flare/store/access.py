"""Organisations, API keys and the per-key request counters of rate limiting."""

from datetime import datetime
from typing import Any

from flare.access.models import ApiKey, Organisation
from flare.clock import iso
from flare.store.client import client, table_name
from flare.store.codec import from_item, key, record, to_item, values
from flare.store.keys import KEY_SK, ORG_SK, api_key_pk, list_pk, org_pk, rate_pk
from flare.store.queries import Page, query_collection
from flare.store.transactions import Transaction


def _api_key_item(api_key: ApiKey) -> dict[str, Any]:
    return record(api_key) | {
        "PK": api_key_pk(api_key.id),
        "SK": KEY_SK,
        "GSI1PK": list_pk(api_key.org_id, "KEYS"),
        "GSI1SK": api_key.id,
        "kind": "api_key",
    }


def create_organisation(org: Organisation, first_key: ApiKey) -> None:
    transaction = Transaction().put(
        "organisation",
        record(org) | {"PK": org_pk(org.id), "SK": ORG_SK, "kind": "organisation"},
        "attribute_not_exists(PK)",
    )
    transaction.put("api key", _api_key_item(first_key), "attribute_not_exists(PK)")
    transaction.commit()


def put_api_key(api_key: ApiKey) -> None:
    client().put_item(
        TableName=table_name(), Item=to_item(_api_key_item(api_key)), ConditionExpression="attribute_not_exists(PK)"
    )


def get_api_key(key_id: str) -> ApiKey | None:
    response = client().get_item(TableName=table_name(), Key=key(api_key_pk(key_id), KEY_SK))
    item = response.get("Item")
    return ApiKey.model_validate(from_item(item)) if item else None


def list_api_keys(org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
    page = query_collection(org_id, "KEYS", limit=limit, start=start)
    return Page([ApiKey.model_validate(item) for item in page.items], page.next_position)


def revoke_api_key(org_id: str, key_id: str, at: datetime) -> ApiKey | None:
    """Mark the key revoked (first revocation time kept). None when the organisation has no such key."""
    try:
        response = client().update_item(
            TableName=table_name(),
            Key=key(api_key_pk(key_id), KEY_SK),
            UpdateExpression="SET revoked_at = if_not_exists(revoked_at, :at)",
            ConditionExpression="org_id = :org",
            ExpressionAttributeValues=values({":at": iso(at), ":org": org_id}),
            ReturnValues="ALL_NEW",
        )
    except client().exceptions.ConditionalCheckFailedException:
        return None
    return ApiKey.model_validate(from_item(response["Attributes"]))


def count_request(key_id: str, window: int, limit: int, *, expires_at: int) -> int | None:
    """Add one to the key's counter for this window, unless it reached `limit`: the new count, or None."""
    try:
        response = client().update_item(
            TableName=table_name(),
            Key=key(rate_pk(key_id), str(window)),
            UpdateExpression="ADD #count :one SET expires_at = :expires_at",
            ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues=values({":one": 1, ":limit": limit, ":expires_at": expires_at}),
            ReturnValues="UPDATED_NEW",
        )
    except client().exceptions.ConditionalCheckFailedException:
        return None
    return int(response["Attributes"]["count"]["N"])
