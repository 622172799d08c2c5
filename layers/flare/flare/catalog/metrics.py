"""Metrics: monitored signals tied to a service, and the draft incidents filed from them."""

from datetime import datetime

from flare import clock, cursor
from flare.access.auth import Caller
from flare.catalog import services
from flare.catalog.models import CreateMetricRequest, Metric, MetricList, MetricOut, UpdateMetricRequest
from flare.catalog.port import metrics as storage
from flare.errors import Conflict, NotFound, PreconditionFailed
from flare.ids import find_by_id, is_id, new_id
from flare.incidents import filing
from flare.incidents.dedupe import FROM_METRIC
from flare.incidents.models import Incident, IncidentOut, Message
from flare.preconditions import patched
from flare.store.errors import ServiceMissing, Stale
from flare.store.queries import Filter

SOURCE = "metric"


def metric_out(metric: Metric) -> MetricOut:
    return MetricOut(**metric.model_dump(include=set(MetricOut.model_fields)))


def create_metric(caller: Caller, request: CreateMetricRequest) -> MetricOut:
    now = clock.now()
    metric = Metric(
        id=new_id("met", now),
        org_id=caller.org_id,
        **request.model_dump(),
        created_at=now,
        updated_at=now,
        created_by=caller.key_id,
    )
    try:
        storage().save_metric(None, metric)
    except ServiceMissing as missing:
        raise services.missing(missing.service_id, "service_id") from None
    return metric_out(metric)


def _get(caller: Caller, metric_id: str) -> Metric:
    return find_by_id(metric_id, "met", lambda given: storage().get_metric(caller.org_id, given), "metric")


def get_metric(caller: Caller, metric_id: str) -> MetricOut:
    return metric_out(_get(caller, metric_id))


def list_metrics(caller: Caller, *, service_id: str | None, limit: int, after: str | None) -> MetricList:
    where = Filter()
    if service_id:
        where.compare("service_id", "=", service_id)
    items, next_cursor = cursor.paged(
        cursor.fingerprint(org=caller.org_id, list="metrics", service_id=service_id),
        after,
        lambda start: storage().list_metrics(caller.org_id, limit=limit, start=start, where=where),
    )
    return MetricList(metrics=[metric_out(metric) for metric in items], next_cursor=next_cursor)


def update_metric(caller: Caller, metric_id: str, request: UpdateMetricRequest, if_match: str | None) -> MetricOut:
    before = _get(caller, metric_id)
    after = patched(before, request, if_match)
    if after is None:
        return metric_out(before)
    try:
        storage().save_metric(before, after)
    except Stale:
        raise PreconditionFailed("the metric changed since it was read; fetch it and try again") from None
    except ServiceMissing as missing:
        raise services.missing(missing.service_id, "service_id") from None
    return metric_out(after)


def delete_metric(caller: Caller, metric_id: str) -> None:
    if not is_id(metric_id, "met") or not storage().delete_metric(caller.org_id, metric_id):
        raise NotFound(f"no metric {metric_id}")


def open_incident(caller: Caller, metric_id: str) -> tuple[IncidentOut, bool]:
    """A draft incident on the metric's service, and True; or, within 30 minutes of the first call for the
    metric while that incident is unresolved, that incident (the call counted) and False."""
    metric, claim = (None, None)
    if is_id(metric_id, "met"):
        metric, claim = storage().metric_and_claim(caller.org_id, metric_id, SOURCE)
    if metric is None:
        raise NotFound(f"no metric {metric_id}")
    if absorbed := filing.absorb_claimed(caller, claim):
        return filing.view(caller, absorbed), False

    def draft(now: datetime) -> tuple[Incident, list[Message]]:
        incident = filing.new_incident(
            caller,
            now,
            title=metric.name,
            description=metric.description,
            severity=metric.severity,
            affected_services=[metric.service_id],
            source=SOURCE,
            external_id=metric.id,
            metadata={"metric_id": metric.id},
            policy=FROM_METRIC,
        )
        return incident, []

    try:
        filed = filing.file_incident(caller, draft, reopen_note=f"Metric {metric.name} reported again")
    except ServiceMissing:
        raise Conflict(
            f"the service of metric {metric.id} ({metric.service_id}) was deleted; PATCH the metric's service_id"
        ) from None
    return filing.view(caller, filed), filed.outcome == "created"
