"""What a table holds, for tests that check a request wrote nothing (or exactly something)."""

from typing import Any

# What the outbound side writes a moment after the change that caused it (the deliverer, from the queue): a
# webhook delivery's record, a Slack thread's, and what a delivery taught the subscription of its endpoint. A
# request's own writes are the change itself, which the other items show.
_HEALTH = ("failing_since", "enabled", "disabled_reason", "version", "updated_at")


def stored_items(client: Any, table_name: str) -> list[dict]:
    """Every item but rate-limit counters, which every request moves (rejected or not), sorted by key, without what
    is derived from changes afterwards: the status pages' snapshots (the projector rewrites them from the stream)
    and what the deliverer writes (above). A test may Scan; the product never does."""
    items, start = [], {}
    while True:
        page = client.scan(TableName=table_name, ConsistentRead=True, **start)
        items += [
            _without_derived(item)
            for item in page["Items"]
            if not item["PK"]["S"].startswith("RATE#") and not _derived(item)
        ]
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda item: (item["PK"]["S"], item["SK"]["S"]))
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def _derived(item: dict) -> bool:
    return item["SK"]["S"].startswith(("#DLV#", "SLACK_THREAD#"))


def _without_derived(item: dict) -> dict:
    if item["PK"]["S"].startswith("SLUG#"):
        return {name: value for name, value in item.items() if name not in ("snapshot", "revision")}
    if item["SK"]["S"] == "WEBHOOK":
        return {name: value for name, value in item.items() if name not in _HEALTH}
    return item
