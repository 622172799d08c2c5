"""Use-case tier (in-memory store, no DynamoDB): maintenances through flare.maintenances.use_cases — the
scheduler's sweep starting and completing them when they fall due, the manual start, complete and cancel (and
the transitions rules.py refuses), and the status of the services they put under maintenance."""

import re
from datetime import timedelta

import pytest

from flare.errors import Conflict, ValidationFailed
from flare.ids import new_id
from flare.incidents.filing import create_incident
from flare.incidents.models import CreateIncidentRequest
from flare.maintenances.models import CreateMaintenanceRequest
from flare.maintenances.use_cases import SCHEDULER, create_maintenance, get_maintenance, sweep, transition
from tests.support import T0
from tests.use_cases.conftest import new_service, service_status

STARTS = T0 + timedelta(hours=1)
ENDS = T0 + timedelta(hours=2)


def schedule(caller, service_ids: list[str], **fields):
    """A maintenance from STARTS to ENDS on these services (automatic start and completion unless told)."""
    body = {"title": "Database upgrade", "scheduled_start_at": STARTS, "scheduled_end_at": ENDS}
    return create_maintenance(caller, CreateMaintenanceRequest(**body, affected_services=service_ids, **fields))


def swept_at(clock, at):
    """Move the clock to `at` and run the scheduler's sweep; what it did (it must fail nowhere)."""
    clock.now = at
    report = sweep()
    assert report.failures == []
    return report.transitions


def events(caller, maintenance_id: str) -> list[str]:
    """The maintenance's timeline, newest first, as event types."""
    return [event.type for event in get_maintenance(caller, maintenance_id).timeline]


@pytest.fixture
def service_id(caller) -> str:
    return new_service(caller, "Database")


def test_a_new_maintenance_is_scheduled_and_leaves_its_service_operational(caller, service_id):
    maintenance = schedule(caller, [service_id])

    assert maintenance.status == "scheduled"
    assert [event.type for event in maintenance.timeline] == ["scheduled"]
    assert service_status(caller, service_id) == "operational"


def test_a_maintenance_on_a_missing_service_is_refused(caller):
    with pytest.raises(ValidationFailed) as refused:
        schedule(caller, [new_id("svc")])

    assert [error.field for error in refused.value.errors] == ["affected_services"]


# ---- the scheduler's sweep ----------------------------------------------------------------------------------


def test_the_sweep_does_nothing_before_the_start(caller, clock, service_id):
    maintenance = schedule(caller, [service_id])

    assert swept_at(clock, STARTS - timedelta(seconds=1)) == []

    assert get_maintenance(caller, maintenance.id).status == "scheduled"
    assert service_status(caller, service_id) == "operational"


def test_the_sweep_starts_a_maintenance_whose_start_has_passed(caller, clock, service_id):
    maintenance = schedule(caller, [service_id])

    assert swept_at(clock, STARTS + timedelta(minutes=1)) == [(maintenance.id, "start")]

    started = get_maintenance(caller, maintenance.id)
    assert started.status == "in_progress"
    assert STARTS + timedelta(minutes=1) < started.started_at <= clock.now
    assert (started.timeline[0].type, started.timeline[0].actor) == ("started", SCHEDULER)
    assert started.timeline[0].scheduled_for == STARTS
    assert service_status(caller, service_id) == "under_maintenance"


def test_the_sweep_completes_it_after_its_end(caller, clock, service_id):
    maintenance = schedule(caller, [service_id])
    swept_at(clock, STARTS)

    assert swept_at(clock, ENDS + timedelta(minutes=1)) == [(maintenance.id, "complete")]

    completed = get_maintenance(caller, maintenance.id)
    assert completed.status == "completed"
    assert events(caller, maintenance.id) == ["completed", "started", "scheduled"]
    assert service_status(caller, service_id) == "operational"


def test_a_window_that_passed_unswept_is_started_and_completed_in_one_sweep(caller, clock, service_id):
    maintenance = schedule(caller, [service_id])

    assert swept_at(clock, ENDS + timedelta(hours=1)) == [(maintenance.id, "start"), (maintenance.id, "complete")]

    assert events(caller, maintenance.id) == ["completed", "started", "scheduled"]
    assert service_status(caller, service_id) == "operational"


def test_without_auto_start_the_sweep_leaves_it_scheduled(caller, clock, service_id):
    maintenance = schedule(caller, [service_id], auto_start=False)

    assert swept_at(clock, STARTS + timedelta(minutes=1)) == []

    assert get_maintenance(caller, maintenance.id).status == "scheduled"


def test_without_auto_complete_it_stays_in_progress_past_its_end(caller, clock, service_id):
    maintenance = schedule(caller, [service_id], auto_complete=False)

    swept_at(clock, ENDS + timedelta(hours=1))

    assert get_maintenance(caller, maintenance.id).status == "in_progress"
    assert service_status(caller, service_id) == "under_maintenance"


# ---- by hand ----------------------------------------------------------------------------------------------


def test_starting_by_hand_puts_its_service_under_maintenance(caller, service_id):
    maintenance = schedule(caller, [service_id])

    started = transition(caller, maintenance.id, "start", "Starting early")

    assert started.status == "in_progress"
    assert (started.timeline[0].actor, started.timeline[0].message) == (caller.key_id, "Starting early")
    assert service_status(caller, service_id) == "under_maintenance"


def test_a_sweep_after_a_manual_start_does_not_start_it_twice(caller, clock, service_id):
    maintenance = schedule(caller, [service_id])
    transition(caller, maintenance.id, "start", None)

    assert swept_at(clock, STARTS + timedelta(minutes=1)) == []

    assert events(caller, maintenance.id).count("started") == 1


def test_completing_by_hand_returns_its_service_to_operational(caller, clock, service_id):
    maintenance = schedule(caller, [service_id])
    transition(caller, maintenance.id, "start", None)

    completed = transition(caller, maintenance.id, "complete", "Done early")

    assert completed.status == "completed"
    assert service_status(caller, service_id) == "operational"
    assert swept_at(clock, ENDS + timedelta(minutes=1)) == []


def test_a_cancelled_maintenance_is_never_started(caller, clock, service_id):
    maintenance = schedule(caller, [service_id])

    cancelled = transition(caller, maintenance.id, "cancel", "Postponed")

    assert cancelled.status == "cancelled"
    assert T0 < cancelled.cancelled_at < STARTS
    assert swept_at(clock, STARTS + timedelta(minutes=1)) == []
    assert events(caller, maintenance.id) == ["cancelled", "scheduled"]
    assert service_status(caller, service_id) == "operational"


@pytest.mark.parametrize(
    ("done_before", "action", "refusal"),
    [
        ([], "complete", "cannot complete a maintenance that is scheduled"),
        (["start"], "start", "cannot start a maintenance that is in_progress"),
        (["start"], "cancel", "cannot cancel a maintenance that is in_progress (complete it instead)"),
        (["start", "complete"], "cancel", "cannot cancel a maintenance that is completed"),
        (["cancel"], "start", "cannot start a maintenance that is cancelled"),
    ],
)
def test_transitions_the_rules_do_not_allow_are_refused_and_change_nothing(
    caller, service_id, done_before, action, refusal
):
    maintenance = schedule(caller, [service_id])
    for done in done_before:
        transition(caller, maintenance.id, done, None)
    before = get_maintenance(caller, maintenance.id)

    with pytest.raises(Conflict, match=re.escape(refusal)):
        transition(caller, maintenance.id, action, None)

    assert get_maintenance(caller, maintenance.id) == before


def test_a_worse_incident_wins_over_a_maintenance_in_progress(caller, service_id):
    maintenance = schedule(caller, [service_id])
    transition(caller, maintenance.id, "start", None)
    body = {"title": "Database down", "severity": "critical", "affected_services": [service_id], "publish": True}

    create_incident(caller, CreateIncidentRequest(**body))

    assert service_status(caller, service_id) == "major_outage"
