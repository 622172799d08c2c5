"""Maintenances' storage, on both stores: the schedule the sweep reads, conditional writes, services' impact."""

from datetime import timedelta

import pytest

from flare import clock
from flare.catalog.port import services
from flare.catalog.rollup import ServiceImpactChange
from flare.ids import new_id
from flare.maintenances.models import Maintenance, MaintenanceEvent
from flare.maintenances.port import storage
from flare.store.errors import ServiceMissing, Stale
from flare.store.queries import Filter
from tests.contract.conftest import make_service, new_org
from tests.support import T0

HOUR = timedelta(hours=1)


def maintenance(caller, starts_in: timedelta, services_affected=(), at=T0) -> Maintenance:
    return Maintenance(
        id=new_id("mnt", at),
        org_id=caller.org_id,
        title="Database upgrade",
        description="",
        status="scheduled",
        scheduled_start_at=T0 + starts_in,
        scheduled_end_at=T0 + starts_in + HOUR,
        auto_start=True,
        auto_complete=True,
        affected_services=list(services_affected),
        created_at=at,
        updated_at=at,
    )


def event(kind: str, at) -> MaintenanceEvent:
    return MaintenanceEvent(id=new_id("evt", at), type=kind, actor="scheduler", created_at=at)


def schedule(caller, starts_in: timedelta, services_affected=(), at=T0) -> Maintenance:
    planned = maintenance(caller, starts_in, services_affected, at)
    storage().create_maintenance(planned, event("scheduled", at), planned.scheduled_start_at)
    return planned


def test_the_sweep_reads_what_is_due_oldest_first_across_organisations(caller):
    later = schedule(caller, 2 * HOUR)
    soon = schedule(new_org(), HOUR, at=T0 + timedelta(seconds=1))
    unscheduled = maintenance(caller, HOUR, at=T0 + timedelta(seconds=2))
    storage().create_maintenance(unscheduled, event("scheduled", T0), None)

    assert storage().due_maintenances(T0 + HOUR - timedelta(milliseconds=1)) == []
    assert [m.id for m in storage().due_maintenances(T0 + HOUR)] == [soon.id]
    assert [m.id for m in storage().due_maintenances(T0 + 3 * HOUR)] == [soon.id, later.id]


def test_starting_moves_it_off_the_schedule_and_onto_its_services(caller):
    checkout = make_service(caller)
    planned = schedule(caller, HOUR, [checkout.id])
    started = planned.model_copy(update={"status": "in_progress", "started_at": T0 + HOUR, "version": 2})
    impact = ServiceImpactChange(set={checkout.id: "maintenance"}, remove=frozenset())

    storage().save_maintenance(planned, started, [event("started", T0 + HOUR)], impact, None)

    assert storage().due_maintenances(T0 + 2 * HOUR) == []
    assert services().get_service(caller.org_id, checkout.id).impacts == {planned.id: "maintenance"}
    read, timeline = storage().get_maintenance(caller.org_id, planned.id)
    assert read.status == "in_progress" and [e.type for e in timeline] == ["started", "scheduled"]
    with pytest.raises(Stale):  # a second sweep that read it before the start
        storage().save_maintenance(planned, started, [event("started", T0 + HOUR)], impact, None)
    assert [e.type for e in storage().get_maintenance(caller.org_id, planned.id)[1]] == ["started", "scheduled"]


def test_a_maintenance_must_name_real_services(caller):
    missing = new_id("svc")
    with pytest.raises(ServiceMissing) as refused:
        schedule(caller, HOUR, [missing])
    assert refused.value.service_id == missing
    assert storage().get_maintenance(caller.org_id, new_id("mnt")) is None
    assert storage().due_maintenances(T0 + 2 * HOUR) == []


def test_maintenances_list_newest_first_and_filter(caller):
    first = schedule(caller, HOUR)
    second = schedule(caller, 2 * HOUR, at=T0 + timedelta(seconds=1))

    every = storage().list_maintenances(caller.org_id, limit=10, start=None, where=Filter())
    assert [m.id for m in every.items] == [second.id, first.id]
    late = Filter().compare("scheduled_start_at", ">=", clock.iso(T0 + 2 * HOUR))  # as the use case compares
    assert [m.id for m in storage().list_maintenances(caller.org_id, limit=10, start=None, where=late).items] == [
        second.id
    ]
