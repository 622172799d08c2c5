"""The scheduler: `maintenances.sweep(now)` and the sweep_maintenances function, with time under the test's
control. Due work is found on the sparse schedule index; every transition is conditional, so overlapping
sweeps, retries and manual actions transition each maintenance exactly once."""

import json
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from flare import clock
from flare.catalog import services
from flare.catalog.models import CreateServiceRequest
from flare.errors import Conflict
from flare.maintenances import use_cases as maintenances
from flare.maintenances.models import CreateMaintenanceRequest, UpdateMaintenanceRequest
from flare.store import client as client_store
from tests.support import caller_of
from tests.support.invoking import EVENTS, LambdaContext, handler_of

CREATED = datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
START = CREATED + timedelta(hours=1)
END = START + timedelta(hours=2)
MS = timedelta(milliseconds=1)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def now(table) -> Clock:
    at = Clock(CREATED)
    clock.set_clock(at)
    return at


def schedule(org, *, start: datetime = START, end: datetime = END, **fields) -> str:
    request = CreateMaintenanceRequest(
        title=fields.pop("title", "Database upgrade"), scheduled_start_at=start, scheduled_end_at=end, **fields
    )
    return maintenances.create_maintenance(caller_of(org), request).id


def read(org, maintenance_id: str):
    return maintenances.get_maintenance(caller_of(org), maintenance_id)


def entries(org, maintenance_id: str, kind: str) -> list:
    return [entry for entry in read(org, maintenance_id).timeline if entry.type == kind]


def new_service(org, name: str) -> str:
    return services.create_service(caller_of(org), CreateServiceRequest(name=name)).id


def scheduled_items(table) -> list[dict]:
    return [item for item in table.items() if "GSI2PK" in item]


def sweep_handler(context=None) -> dict:
    event = json.loads((EVENTS / "sweep_maintenances.json").read_text())
    return handler_of("sweep_maintenances")(event, context or LambdaContext())


# ---- start and complete -----------------------------------------------------------------------------------


def test_starts_when_due_and_not_before(org, now):
    payments = new_service(org, "Payments")
    maintenance_id = schedule(org, affected_services=[payments])

    assert maintenances.sweep(START - MS).transitions == []
    assert read(org, maintenance_id).status == "scheduled"

    report = maintenances.sweep(START)
    assert report.transitions == [(maintenance_id, "start")]
    assert report.failures == []
    started = read(org, maintenance_id)
    assert started.status == "in_progress"
    assert started.started_at == START
    assert started.version == 2
    entry = started.timeline[0]
    assert (entry.type, entry.actor, entry.scheduled_for, entry.created_at) == ("started", "scheduler", START, START)
    assert services.get_service(caller_of(org), payments).status == "under_maintenance"

    # Later sweeps before the end do nothing more.
    assert maintenances.sweep(START + timedelta(minutes=1)).transitions == []
    assert maintenances.sweep(END - MS).transitions == []
    assert read(org, maintenance_id).version == 2


def test_completes_when_due(org, now, table):
    payments = new_service(org, "Payments")
    maintenance_id = schedule(org, affected_services=[payments])
    maintenances.sweep(START)

    assert maintenances.sweep(END - MS).transitions == []
    report = maintenances.sweep(END + timedelta(seconds=20))
    assert report.transitions == [(maintenance_id, "complete")]
    completed = read(org, maintenance_id)
    assert completed.status == "completed"
    assert completed.started_at == START
    assert completed.completed_at == END + timedelta(seconds=20)
    entry = completed.timeline[0]
    assert (entry.type, entry.actor, entry.scheduled_for) == ("completed", "scheduler", END)
    assert [entry.type for entry in completed.timeline] == ["completed", "started", "scheduled"]
    assert services.get_service(caller_of(org), payments).status == "operational"

    # Nothing is pending any more: the schedule index forgot it.
    assert scheduled_items(table) == []
    assert maintenances.sweep(END + timedelta(days=365)).transitions == []


def test_a_retried_sweep_changes_nothing(org, now):
    maintenance_id = schedule(org)
    now.at = START
    first = sweep_handler()
    again = sweep_handler()
    assert first["transitions"] == [{"maintenance_id": maintenance_id, "action": "start"}]
    assert again == {"transitions": [], "failures": []}
    assert len(entries(org, maintenance_id, "started")) == 1


def test_late_catch_up_starts_then_completes_in_order(org, now):
    """The whole window passed while nothing ran (several of them, so that an undefined order would show)."""
    payments = new_service(org, "Payments")
    ids = [schedule(org, title=f"#{n}", affected_services=[payments]) for n in range(8)]
    late = END + timedelta(hours=3)

    report = maintenances.sweep(late)

    assert report.failures == []
    for maintenance_id in ids:
        assert [action for mid, action in report.transitions if mid == maintenance_id] == ["start", "complete"]
        maintenance = read(org, maintenance_id)
        assert maintenance.status == "completed"
        assert maintenance.started_at is not None and maintenance.completed_at is not None
        assert maintenance.started_at <= maintenance.completed_at
        assert late <= maintenance.started_at <= late + timedelta(seconds=1)
        timeline = maintenance.timeline
        assert [entry.type for entry in timeline] == ["completed", "started", "scheduled"]  # newest first
        completed, started, _ = timeline
        assert (started.actor, started.scheduled_for, started.created_at) == (
            "scheduler",
            START,
            maintenance.started_at,
        )
        assert (completed.actor, completed.scheduled_for, completed.created_at) == (
            "scheduler",
            END,
            maintenance.completed_at,
        )
        assert started.created_at <= completed.created_at
    assert services.get_service(caller_of(org), payments).status == "operational"
    assert maintenances.sweep(late).transitions == []


def test_a_sweep_never_records_a_transition_before_the_change_it_follows(org, now):
    """A sweep's `now` is when it began; a manual start may land while it runs. The completion that follows
    is then recorded after the start, never before it, and the timeline keeps its order."""
    maintenance_id = schedule(org)
    began = END + timedelta(minutes=10)
    now.at = began + timedelta(seconds=5)
    maintenances.transition(caller_of(org), maintenance_id, "start", "by hand")

    report = maintenances.sweep(began)

    assert report.transitions == [(maintenance_id, "complete")]
    maintenance = read(org, maintenance_id)
    assert maintenance.started_at == began + timedelta(seconds=5)
    assert maintenance.completed_at > maintenance.started_at
    assert [entry.type for entry in maintenance.timeline] == ["completed", "started", "scheduled"]


def test_a_late_sweep_completes_what_already_started(org, now):
    maintenance_id = schedule(org)
    maintenances.sweep(START + timedelta(minutes=5))
    report = maintenances.sweep(END + timedelta(hours=1))
    assert report.transitions == [(maintenance_id, "complete")]
    maintenance = read(org, maintenance_id)
    assert maintenance.started_at == START + timedelta(minutes=5)
    assert maintenance.completed_at == END + timedelta(hours=1)


# ---- the auto flags, cancelling, editing -----------------------------------------------------------------


def test_auto_start_off_is_never_started_by_the_scheduler(org, now, table):
    maintenance_id = schedule(org, auto_start=False)
    assert scheduled_items(table) == []
    assert maintenances.sweep(START).transitions == []
    assert maintenances.sweep(END + timedelta(days=30)).transitions == []
    assert read(org, maintenance_id).status == "scheduled"

    # Started by hand, it still completes by itself.
    now.at = START + timedelta(minutes=10)
    started = maintenances.transition(caller_of(org), maintenance_id, "start", "go")
    assert started.started_at == now.at
    assert maintenances.sweep(END - MS).transitions == []
    assert maintenances.sweep(END).transitions == [(maintenance_id, "complete")]
    maintenance = read(org, maintenance_id)
    assert maintenance.status == "completed"
    assert [(entry.type, entry.actor) for entry in maintenance.timeline] == [
        ("completed", "scheduler"),
        ("started", caller_of(org).key_id),
        ("scheduled", caller_of(org).key_id),
    ]


def test_a_manual_start_before_the_window_is_completed_at_the_scheduled_end(org, now):
    maintenance_id = schedule(org)
    now.at = START - timedelta(minutes=30)
    maintenances.transition(caller_of(org), maintenance_id, "start", None)
    assert maintenances.sweep(START).transitions == []
    assert maintenances.sweep(END).transitions == [(maintenance_id, "complete")]
    assert len(entries(org, maintenance_id, "started")) == 1


def test_auto_complete_off_stays_in_progress(org, now, table):
    maintenance_id = schedule(org, auto_complete=False)
    assert maintenances.sweep(END + timedelta(days=30)).transitions == [(maintenance_id, "start")]
    assert maintenances.sweep(END + timedelta(days=60)).transitions == []
    maintenance = read(org, maintenance_id)
    assert maintenance.status == "in_progress"
    assert maintenance.completed_at is None
    assert scheduled_items(table) == []

    now.at = END + timedelta(days=61)
    completed = maintenances.transition(caller_of(org), maintenance_id, "complete", "done by hand")
    assert completed.status == "completed"


def test_both_auto_flags_off_is_never_pending(org, now, table):
    maintenance_id = schedule(org, auto_start=False, auto_complete=False)
    maintenances.transition(caller_of(org), maintenance_id, "start", None)
    assert scheduled_items(table) == []
    assert maintenances.sweep(END + timedelta(days=1)).transitions == []
    assert read(org, maintenance_id).status == "in_progress"


def test_cancelled_before_start_is_never_started(org, now, table):
    maintenance_id = schedule(org)
    now.at = START - timedelta(minutes=1)
    maintenances.transition(caller_of(org), maintenance_id, "cancel", "postponed")
    assert scheduled_items(table) == []
    assert maintenances.sweep(START).transitions == []
    assert maintenances.sweep(END + timedelta(days=1)).transitions == []
    maintenance = read(org, maintenance_id)
    assert maintenance.status == "cancelled"
    assert entries(org, maintenance_id, "started") == []


def test_patching_the_schedule_moves_the_due_time(org, now):
    maintenance_id = schedule(org)
    later_start, later_end = START + timedelta(hours=5), END + timedelta(hours=5)
    maintenances.update_maintenance(
        caller_of(org),
        maintenance_id,
        UpdateMaintenanceRequest(scheduled_start_at=later_start, scheduled_end_at=later_end),
        if_match=None,
    )
    assert maintenances.sweep(START).transitions == []
    assert maintenances.sweep(later_start - MS).transitions == []
    assert maintenances.sweep(later_start).transitions == [(maintenance_id, "start")]
    assert entries(org, maintenance_id, "started")[0].scheduled_for == later_start

    # While in progress, an earlier end brings the completion forward.
    earlier_end = later_start + timedelta(minutes=30)
    maintenances.update_maintenance(
        caller_of(org), maintenance_id, UpdateMaintenanceRequest(scheduled_end_at=earlier_end), if_match=None
    )
    assert maintenances.sweep(earlier_end - MS).transitions == []
    assert maintenances.sweep(earlier_end).transitions == [(maintenance_id, "complete")]
    assert entries(org, maintenance_id, "completed")[0].scheduled_for == earlier_end


def test_patching_auto_start_off_and_on(org, now):
    maintenance_id = schedule(org)
    caller = caller_of(org)
    maintenances.update_maintenance(caller, maintenance_id, UpdateMaintenanceRequest(auto_start=False), if_match=None)
    assert maintenances.sweep(START).transitions == []
    maintenances.update_maintenance(caller, maintenance_id, UpdateMaintenanceRequest(auto_start=True), if_match=None)
    assert maintenances.sweep(START).transitions == [(maintenance_id, "start")]


# ---- failures ---------------------------------------------------------------------------------------------


def test_a_failing_maintenance_does_not_stop_the_others(org, now):
    caller = caller_of(org)
    doomed_service, fine_service = new_service(org, "Legacy"), new_service(org, "Payments")
    first = schedule(org, title="first", affected_services=[fine_service])
    doomed = schedule(org, title="doomed", affected_services=[doomed_service])
    last = schedule(org, title="last")
    services.delete_service(caller, doomed_service)  # allowed: a scheduled maintenance has no impact yet

    report = maintenances.sweep(START)

    assert sorted(report.transitions) == sorted([(first, "start"), (last, "start")])
    assert [mid for mid, _error in report.failures] == [doomed]
    assert doomed_service in report.failures[0][1]
    assert read(org, first).status == "in_progress"
    assert read(org, last).status == "in_progress"
    assert read(org, doomed).status == "scheduled"
    assert entries(org, doomed, "started") == []
    assert services.get_service(caller, fine_service).status == "under_maintenance"


def sweep_failed() -> type[Exception]:
    """The handler's exception class (functions are loaded like Lambda loads them, by module name)."""
    handler_of("sweep_maintenances")
    return sys.modules["sweep_maintenances"].SweepFailed


def test_the_handler_sweeps_everything_then_raises_naming_the_failures(org, now, capfd, caplog):
    """A failure must reach Lambda's Errors metric (the template alarms on it), so the handler raises; but only
    after every due maintenance was attempted and the metrics and log lines were written."""
    caller = caller_of(org)
    gone, also_gone = new_service(org, "Legacy"), new_service(org, "Mainframe")
    first = schedule(org, title="first")
    doomed = schedule(org, title="doomed", affected_services=[gone])
    middle = schedule(org, title="middle")
    also_doomed = schedule(org, title="also doomed", affected_services=[also_gone])
    last = schedule(org, title="last")
    services.delete_service(caller, gone)
    services.delete_service(caller, also_gone)
    now.at = START

    with pytest.raises(sweep_failed()) as raised:
        sweep_handler()

    message = str(raised.value)
    assert doomed in message and also_doomed in message
    assert gone in message and also_gone in message  # why each failed
    assert "2 maintenance transition(s) failed (3 done)" in message
    assert sorted(mid for mid, _error in raised.value.failures) == sorted([doomed, also_doomed])
    # The others were transitioned all the same, before and after the failures.
    for maintenance_id in (first, middle, last):
        assert read(org, maintenance_id).status == "in_progress"
        assert len(entries(org, maintenance_id, "started")) == 1
    for maintenance_id in (doomed, also_doomed):
        assert read(org, maintenance_id).status == "scheduled"
        assert entries(org, maintenance_id, "started") == []

    output = capfd.readouterr().out
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    (emf,) = [line for line in lines if "MaintenanceTransitions" in line]
    assert emf["MaintenanceTransitions"] in (3, 3.0, [3.0])
    assert emf["MaintenanceTransitionFailures"] in (2, 2.0, [2.0])
    # What the template's MaintenanceTransitionFailures alarm watches: namespace Flare, dimension service=flare.
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Flare"
    assert directive["Dimensions"] == [["service"]] and emf["service"] == "flare"
    logged = [record for record in caplog.records if record.getMessage() == "maintenance transition failed"]
    assert sorted(record.maintenance_id for record in logged) == sorted([doomed, also_doomed])
    assert {record.levelname for record in logged} == {"ERROR"}

    # Fixed (the maintenance no longer names the deleted service), the next sweep does the rest and returns.
    for maintenance_id in (doomed, also_doomed):
        maintenances.update_maintenance(
            caller, maintenance_id, UpdateMaintenanceRequest(affected_services=[]), if_match=None
        )
    result = sweep_handler()
    assert sorted(t["maintenance_id"] for t in result["transitions"]) == sorted([doomed, also_doomed])
    assert result["failures"] == []


def test_a_sweep_without_failures_returns_its_transitions(org, now, capfd):
    fine = schedule(org, title="fine")
    now.at = START

    result = sweep_handler()

    assert result == {"transitions": [{"maintenance_id": fine, "action": "start"}], "failures": []}
    lines = [json.loads(line) for line in capfd.readouterr().out.splitlines() if line.startswith("{")]
    (emf,) = [line for line in lines if "MaintenanceTransitions" in line]
    assert emf["MaintenanceTransitionFailures"] in (0, 0.0, [0.0])  # a datapoint every minute: 0 is healthy


def test_the_handler_uses_the_injected_clock(org, now):
    maintenance_id = schedule(org)
    now.at = START - MS
    assert sweep_handler()["transitions"] == []
    now.at = END + timedelta(hours=1)
    result = sweep_handler()
    assert result["transitions"] == [
        {"maintenance_id": maintenance_id, "action": "start"},
        {"maintenance_id": maintenance_id, "action": "complete"},
    ]
    maintenance = read(org, maintenance_id)
    assert maintenance.started_at >= END + timedelta(hours=1)


def test_maintenances_of_every_organisation_are_swept(org, other_org, now):
    ours, theirs = schedule(org), schedule(other_org)
    report = maintenances.sweep(START)
    assert sorted(report.transitions) == sorted([(ours, "start"), (theirs, "start")])
    assert read(other_org, theirs).status == "in_progress"


# ---- races ------------------------------------------------------------------------------------------------


def race(actions):
    with ThreadPoolExecutor(max_workers=len(actions)) as pool:
        futures = [pool.submit(action) for action in actions]
        return [future.result() for future in futures]


def test_concurrent_sweeps_start_each_maintenance_once(org, now):
    ids = [schedule(org, title=f"#{n}") for n in range(12)]

    reports = race([lambda: maintenances.sweep(START)] * 10)

    assert all(report.failures == [] for report in reports)
    done = Counter(transition for report in reports for transition in report.transitions)
    assert done == Counter({(maintenance_id, "start"): 1 for maintenance_id in ids})
    for maintenance_id in ids:
        maintenance = read(org, maintenance_id)
        assert maintenance.status == "in_progress"
        assert maintenance.version == 2
        assert [entry.type for entry in maintenance.timeline].count("started") == 1


def test_concurrent_late_sweeps_start_and_complete_each_maintenance_once(org, now):
    payments = new_service(org, "Payments")
    ids = [schedule(org, title=f"#{n}", affected_services=[payments]) for n in range(6)]
    late = END + timedelta(minutes=5)

    reports = race([lambda: maintenances.sweep(late)] * 5)

    assert all(report.failures == [] for report in reports)
    done = Counter(transition for report in reports for transition in report.transitions)
    assert done == Counter({(mid, action): 1 for mid in ids for action in ("start", "complete")})
    for maintenance_id in ids:
        maintenance = read(org, maintenance_id)
        assert maintenance.status == "completed"
        assert maintenance.started_at < maintenance.completed_at
        assert [entry.type for entry in maintenance.timeline] == ["completed", "started", "scheduled"]
    assert services.get_service(caller_of(org), payments).status == "operational"


def test_a_manual_start_racing_the_scheduler_starts_once(org, now):
    caller = caller_of(org)
    ids = [schedule(org, title=f"#{n}") for n in range(10)]
    now.at = START

    def by_hand(maintenance_id):
        def start():
            try:
                maintenances.transition(caller, maintenance_id, "start", "by hand")
                return maintenance_id
            except Conflict as refused:
                assert "in_progress" in str(refused.detail)
                return None

        return start

    results = race([by_hand(mid) for mid in ids] + [lambda: maintenances.sweep(START)] * 3)

    manual = {result for result in results[: len(ids)] if result}
    reports = results[len(ids) :]
    by_scheduler = Counter(mid for report in reports for mid, action in report.transitions if action == "start")
    for maintenance_id in ids:
        started = entries(org, maintenance_id, "started")
        assert len(started) == 1
        assert (maintenance_id in manual) + by_scheduler[maintenance_id] == 1
        expected_actor = caller.key_id if maintenance_id in manual else "scheduler"
        assert started[0].actor == expected_actor
        assert read(org, maintenance_id).status == "in_progress"


# ---- cost -------------------------------------------------------------------------------------------------


class CountingClient:
    """The real client, counting the reads made through it and the items they examined."""

    READS = ("query", "scan", "get_item", "batch_get_item")

    def __init__(self, real):
        self.real = real
        self.calls: Counter = Counter()
        self.examined = 0

    def __getattr__(self, name):
        attribute = getattr(self.real, name)
        if name not in self.READS:
            return attribute

        def counted(**request):
            self.calls[name] += 1
            response = attribute(**request)
            self.examined += response.get("ScannedCount", len(response.get("Items", [])))
            return response

        return counted


def test_reads_grow_with_due_work_not_with_what_is_stored(org, now, monkeypatch):
    far = datetime(2040, 1, 1, tzinfo=UTC)
    # Each write to moto copies its table, so "many" is kept modest; the point is the counts below.
    for n in range(40):
        schedule(org, title=f"far #{n}", start=far + timedelta(hours=n), end=far + timedelta(hours=n + 1))
    for n in range(10):
        schedule(org, title=f"manual #{n}", auto_start=False)
    counting = CountingClient(client_store.client())
    monkeypatch.setattr(client_store, "_client", counting)

    report = maintenances.sweep(END + timedelta(days=1))

    assert (report.transitions, report.failures) == ([], [])
    assert counting.calls == Counter({"query": 1})
    assert counting.examined == 0  # cost is measured here by items read, not by time (see BENCHMARKS.md)

    due = [schedule(org, title=f"due #{n}") for n in range(3)]
    counting.calls.clear()
    counting.examined = 0
    report = maintenances.sweep(START)
    assert sorted(report.transitions) == sorted((mid, "start") for mid in due)
    assert counting.calls["scan"] == 0
    assert counting.calls["query"] == 1  # the due Query; each transition is one conditional write
    assert counting.examined == len(due)  # neither the far-off nor the manual ones were read
