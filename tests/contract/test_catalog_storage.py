"""Services' and metrics' storage, on both stores: unique names, versions, busy services, the claim a metric's
incident holds."""

from datetime import timedelta

import pytest

from flare.catalog.models import Metric
from flare.catalog.port import metrics, services
from flare.ids import new_id
from flare.store.errors import NameTaken, ServiceBusy, ServiceMissing, Stale
from flare.store.queries import Filter
from tests.contract.conftest import make_incident, make_service, new_org
from tests.contract.test_incidents_storage import create
from tests.support import T0


def test_service_names_are_unique_per_organisation_whatever_their_case(caller):
    make_service(caller, "Checkout")
    with pytest.raises(NameTaken):
        make_service(caller, "CHECKOUT", T0 + timedelta(seconds=1))
    make_service(new_org(), "checkout")  # another organisation's name

    assert list(services().service_ids_by_name(caller.org_id, ["checkout", "Search", " "])) == ["checkout"]


def test_a_rename_moves_the_name_and_a_stale_edit_is_refused(caller):
    checkout = make_service(caller, "Checkout")
    make_service(caller, "Search", T0 + timedelta(seconds=1))
    renamed = checkout.model_copy(update={"name": "Payments", "version": 2})

    with pytest.raises(NameTaken):
        services().update_service(checkout, checkout.model_copy(update={"name": "search", "version": 2}))
    services().update_service(checkout, renamed)
    with pytest.raises(Stale):
        services().update_service(checkout, checkout.model_copy(update={"description": "late", "version": 2}))

    assert services().service_ids_by_name(caller.org_id, ["Payments", "Checkout"]) == {"payments": checkout.id}
    make_service(caller, "Checkout", T0 + timedelta(seconds=2))  # the old name is free again


def test_a_service_affected_by_an_active_incident_cannot_be_deleted(caller):
    checkout = make_service(caller)
    incident = create(make_incident(caller, affected_services=[checkout.id], publish=True))

    with pytest.raises(ServiceBusy) as refused:
        services().delete_service(checkout)
    assert refused.value.impacts == {incident.id: "major"}

    idle = make_service(caller, "Search", T0 + timedelta(seconds=1))
    services().delete_service(idle)
    assert services().get_service(caller.org_id, idle.id) is None
    assert services().get_services(caller.org_id, [idle.id, checkout.id]).keys() == {checkout.id}


def test_services_list_newest_first(caller):
    made = [make_service(caller, f"Service {n}", T0 + timedelta(seconds=n)) for n in range(3)]
    page = services().list_services(caller.org_id, limit=2, start=None)
    rest = services().list_services(caller.org_id, limit=2, start=page.next_position)

    assert [s.id for s in page.items + rest.items] == [s.id for s in reversed(made)]
    assert rest.next_position is None


def _metric(caller, service_id, at=T0) -> Metric:
    return Metric(
        id=new_id("met", at),
        org_id=caller.org_id,
        name="p99 latency",
        service_id=service_id,
        description="",
        severity="major",
        created_at=at,
        updated_at=at,
    )


def test_a_metric_must_name_a_service_and_is_written_at_its_version(caller):
    checkout = make_service(caller)
    missing = new_id("svc")
    with pytest.raises(ServiceMissing) as refused:
        metrics().save_metric(None, _metric(caller, missing))
    assert refused.value.service_id == missing

    metric = _metric(caller, checkout.id)
    metrics().save_metric(None, metric)
    with pytest.raises(Stale):
        metrics().save_metric(None, metric)
    edited = metric.model_copy(update={"name": "p95 latency", "version": 2})
    metrics().save_metric(metric, edited)
    with pytest.raises(Stale):
        metrics().save_metric(metric, edited)
    assert metrics().get_metric(caller.org_id, metric.id).name == "p95 latency"


def test_a_metric_is_read_with_the_claim_its_incident_holds(caller):
    checkout = make_service(caller)
    metric = _metric(caller, checkout.id)
    metrics().save_metric(None, metric)
    assert metrics().metric_and_claim(caller.org_id, metric.id, "metric") == (metric, None)

    incident = create(make_incident(caller, external_id=metric.id, source="metric", window=timedelta(minutes=30)))
    found, claim = metrics().metric_and_claim(caller.org_id, metric.id, "metric")
    assert found == metric
    assert (claim.incident_id, claim.resolved, claim.lapses_at) == (incident.id, False, T0 + timedelta(minutes=30))


def test_metrics_list_by_service_and_are_deleted_once(caller):
    checkout, search = make_service(caller), make_service(caller, "Search", T0 + timedelta(seconds=1))
    first, second = _metric(caller, checkout.id), _metric(caller, search.id, T0 + timedelta(seconds=1))
    metrics().save_metric(None, first)
    metrics().save_metric(None, second)

    page = metrics().list_metrics(
        caller.org_id, limit=10, start=None, where=Filter().compare("service_id", "=", search.id)
    )
    assert [m.id for m in page.items] == [second.id]
    assert metrics().delete_metric(caller.org_id, first.id)
    assert not metrics().delete_metric(caller.org_id, first.id)
    assert not metrics().delete_metric(new_org().org_id, second.id)
