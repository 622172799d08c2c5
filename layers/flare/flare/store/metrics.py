"""Metrics (the services' monitors that file incidents)."""

from typing import Any

from flare.catalog.models import Metric
from flare.incidents.dedupe import Claim
from flare.store.claims import claim_from, claim_key
from flare.store.client import client, table_name
from flare.store.codec import from_item, key, record
from flare.store.errors import ConditionFailed, ServiceMissing, Stale
from flare.store.keys import DEDUPE_SK, METRIC_SK, list_pk, metric_pk
from flare.store.queries import Filter, Page, batch_get, delete_if_exists, query_collection
from flare.store.services import NO_IMPACT, record_impact
from flare.store.transactions import Transaction


def _item(metric: Metric) -> dict[str, Any]:
    return record(metric) | {
        "PK": metric_pk(metric.org_id, metric.id),
        "SK": METRIC_SK,
        "GSI1PK": list_pk(metric.org_id, "METRICS"),
        "GSI1SK": metric.id,
        "kind": "metric",
    }


def save_metric(before: Metric | None, after: Metric) -> None:
    """Create (`before` None) or replace the metric if it is still at `before.version`, checking that its
    service exists, all at once. Stale when another writer got there first; ServiceMissing names the service."""
    if before is None:
        transaction = Transaction().put("metric", _item(after), "attribute_not_exists(PK)")
    else:
        transaction = Transaction().put(
            "metric", _item(after), "version = :version", values={":version": before.version}
        )
    record_impact(transaction, after.org_id, after.id, NO_IMPACT, [after.service_id])
    try:
        transaction.commit()
    except ConditionFailed as failure:
        if failure.label == "metric":
            raise Stale() from None
        raise ServiceMissing(after.service_id) from None


def metric_and_claim(org_id: str, metric_id: str, source: str) -> tuple[Metric | None, Claim | None]:
    """The metric and the dedupe claim on (source, its id): one strongly consistent BatchGetItem."""
    keys = [key(metric_pk(org_id, metric_id), METRIC_SK), claim_key(org_id, source, metric_id)]
    found = {item["SK"]: item for item in batch_get(keys, consistent=True)}
    metric = Metric.model_validate(found[METRIC_SK]) if METRIC_SK in found else None
    return metric, claim_from(found.get(DEDUPE_SK))


def get_metric(org_id: str, metric_id: str) -> Metric | None:
    response = client().get_item(TableName=table_name(), Key=key(metric_pk(org_id, metric_id), METRIC_SK))
    item = response.get("Item")
    return Metric.model_validate(from_item(item)) if item else None


def list_metrics(org_id: str, *, limit: int, start: dict[str, str] | None, where: Filter) -> Page:
    page = query_collection(org_id, "METRICS", limit=limit, start=start, where=where)
    return Page([Metric.model_validate(item) for item in page.items], page.next_position)


def delete_metric(org_id: str, metric_id: str) -> bool:
    """Delete the metric; False when the organisation has none with this id."""
    return delete_if_exists(metric_pk(org_id, metric_id), METRIC_SK)
