"""Reads shared by the aggregates: pages of a collection (GSI1), a record with its timeline, batches of keys."""

from dataclasses import dataclass
from typing import Any

from flare.errors import BadRequest
from flare.retry import back_off
from flare.store.client import client, table_name
from flare.store.codec import from_item, key, to_item, values
from flare.store.keys import GSI1, list_pk


def check_position(start: dict[str, Any], attribute: str, expected: str) -> None:
    """A cursor's position must lie in the partition being read (cursors are signed; this is depth)."""
    if start.get(attribute) != expected or not all(isinstance(value, str) for value in start.values()):
        raise BadRequest("cursor is invalid: pass next_cursor back unchanged, with the same filters")


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_position: dict[str, str] | None


def _position(attributes: dict[str, Any]) -> dict[str, str]:
    return {name: attributes[name] for name in ("PK", "SK", "GSI1PK", "GSI1SK")}


class Filter:
    """A list filter, condition by condition (all must hold): `clauses` of (attribute, operator, value), rendered
    as a DynamoDB filter expression by `rendered()` (a store that is not DynamoDB reads the clauses)."""

    def __init__(self) -> None:
        self.clauses: list[tuple[str, str, Any]] = []

    def compare(self, attribute: str, operator: str, value: Any) -> "Filter":
        """`attribute <operator> value`, operator one of = <> < <= > >=."""
        self.clauses.append((attribute, operator, value))
        return self

    def any_of(self, attribute: str, values: list[Any]) -> "Filter":
        if values:
            self.clauses.append((attribute, "IN", list(dict.fromkeys(values))))
        return self

    def contains(self, attribute: str, value: Any) -> "Filter":
        """The list attribute holds `value`."""
        self.clauses.append((attribute, "contains", value))
        return self

    def rendered(self) -> tuple[str | None, dict[str, str], dict[str, Any]]:
        """The FilterExpression (None without clauses), its attribute names and its values."""
        conditions: list[str] = []
        names: dict[str, str] = {}
        bound: dict[str, Any] = {}

        def value(given: Any) -> str:
            placeholder = f":f{len(bound)}"
            bound[placeholder] = given
            return placeholder

        for attribute, operator, given in self.clauses:
            name = f"#{attribute}"  # every attribute by placeholder: some are reserved words
            names[name] = attribute
            if operator == "IN":
                conditions.append(f"{name} IN ({', '.join(value(each) for each in given)})")
            elif operator == "contains":
                conditions.append(f"contains({name}, {value(given)})")
            else:
                conditions.append(f"{name} {operator} {value(given)}")
        return " AND ".join(conditions) or None, names, bound


def query_collection(
    org_id: str,
    collection: str,
    *,
    limit: int,
    start: dict[str, str] | None = None,
    id_range: tuple[str, str] | None = None,
    where: Filter | None = None,
    max_items_read: int = 1000,
) -> Page:
    """Newest-first page of an organisation's collection on GSI1 (a Query; cost bounded by the page, not
    the table). With a filter, reads on until the page is full or `max_items_read` items were examined, and
    then may return a short page with a cursor: DynamoDB filters after reading."""
    key_condition = "GSI1PK = :pk"
    filter_expression, filter_names, filter_values = where.rendered() if where else (None, {}, {})
    expression_values: dict[str, Any] = {":pk": list_pk(org_id, collection)} | filter_values
    if id_range:
        key_condition += " AND GSI1SK BETWEEN :lo AND :hi"
        expression_values |= {":lo": id_range[0], ":hi": id_range[1]}
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": GSI1,
        "KeyConditionExpression": key_condition,
        "ExpressionAttributeValues": values(expression_values),
        "ScanIndexForward": False,
    }
    if filter_expression:
        request["FilterExpression"] = filter_expression
        request["ExpressionAttributeNames"] = filter_names
    if start:
        check_position(start, "GSI1PK", expression_values[":pk"])
        request["ExclusiveStartKey"] = to_item(start)

    found: list[dict[str, Any]] = []
    examined = 0
    while True:
        # One more than the page, so that a full last page is not followed by an empty one.
        request["Limit"] = (limit + 1 - len(found)) if not filter_expression else max(limit + 1, 100)
        response = client().query(**request)
        found += [from_item(item) for item in response.get("Items", [])]
        examined += response.get("ScannedCount", 0)
        last = response.get("LastEvaluatedKey")
        if len(found) > limit:
            return Page(found[:limit], _position(found[limit - 1]))
        if not last:
            return Page(found, None)
        if examined >= max_items_read:
            return Page(found, from_item(last))
        request["ExclusiveStartKey"] = last


def batch_get(keys: list[dict[str, Any]], *, consistent: bool = False) -> list[dict[str, Any]]:
    """The items with these keys (missing ones left out): one BatchGetItem per 100 keys, its unprocessed keys
    asked again with backoff."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), 100):  # BatchGetItem's limit
        pending, attempt = keys[start : start + 100], 0
        while pending:
            request = {table_name(): {"Keys": pending, "ConsistentRead": consistent}}
            response = client().batch_get_item(RequestItems=request)
            found += [from_item(item) for item in response["Responses"].get(table_name(), [])]
            pending = response.get("UnprocessedKeys", {}).get(table_name(), {}).get("Keys", [])
            if pending:
                attempt += 1
                back_off(attempt, base=0.02)
    return found


def record_and_timeline(pk: str, record_sk: str, limit: int) -> list[dict[str, Any]] | None:
    """A record and its newest `limit` timeline entries, in one strongly consistent Query (read-modify-write
    uses it): timeline keys start with '#', which sorts before the record's key, so descending order returns
    the record first. None when there is no record."""
    response = client().query(
        TableName=table_name(),
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues=values({":pk": pk}),
        ScanIndexForward=False,
        ConsistentRead=True,
        Limit=limit + 1,
    )
    items = [from_item(item) for item in response.get("Items", [])]
    return items if items and items[0]["SK"] == record_sk else None


def delete_partition(pk: str) -> None:
    request: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": values({":pk": pk}),
        "ProjectionExpression": "PK, SK",
    }
    while True:
        response = client().query(**request)
        keys = [{"DeleteRequest": {"Key": item}} for item in response.get("Items", [])]
        for start in range(0, len(keys), 25):
            pending = keys[start : start + 25]
            while pending:
                result = client().batch_write_item(RequestItems={table_name(): pending})
                pending = result.get("UnprocessedItems", {}).get(table_name(), [])
        if "LastEvaluatedKey" not in response:
            return
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def delete_if_exists(pk: str, sk: str) -> bool:
    try:
        client().delete_item(TableName=table_name(), Key=key(pk, sk), ConditionExpression="attribute_exists(PK)")
    except client().exceptions.ConditionalCheckFailedException:
        return False
    return True
