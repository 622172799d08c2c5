"""What a table holds, for tests that check a request wrote nothing (or exactly something)."""

from typing import Any


def stored_items(client: Any, table_name: str) -> list[dict]:
    """Every item but rate-limit counters, which every request moves (rejected or not), sorted by key, without the
    status pages' snapshots: the projector rewrites them from the stream, a moment after the change that caused
    it (which the items themselves show). A test may Scan; the product never does."""
    items, start = [], {}
    while True:
        page = client.scan(TableName=table_name, ConsistentRead=True, **start)
        items += [_without_derived(item) for item in page["Items"] if not item["PK"]["S"].startswith("RATE#")]
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda item: (item["PK"]["S"], item["SK"]["S"]))
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def _without_derived(item: dict) -> dict:
    if item["PK"]["S"].startswith("SLUG#"):
        return {name: value for name, value in item.items() if name not in ("snapshot", "revision")}
    return item
