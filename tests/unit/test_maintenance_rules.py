"""The maintenance lifecycle rules (rules/maintenance.py) and how maintenances roll up into service status."""

from datetime import UTC, datetime, timedelta

import pytest

from flare.catalog.rollup import impact_change, service_status
from flare.maintenances import rules

START = datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
ALLOWED = {
    ("start", "scheduled"): "in_progress",
    ("complete", "in_progress"): "completed",
    ("cancel", "scheduled"): "cancelled",
}


# ---- transitions ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "status"), list(ALLOWED))
def test_allowed_transitions(action, status):
    assert rules.next_status(action, status) == ALLOWED[(action, status)]


REFUSED = [(action, status) for action in rules.ACTIONS for status in rules.STATUSES if (action, status) not in ALLOWED]


@pytest.mark.parametrize(("action", "status"), REFUSED)
def test_every_other_transition_is_refused_naming_the_current_status(action, status):
    with pytest.raises(rules.TransitionRefused) as refused:
        rules.next_status(action, status)
    assert (refused.value.action, refused.value.status) == (action, status)
    assert f"cannot {action} a maintenance that is {status}" in str(refused.value)


def test_the_refused_transitions_are_the_expected_ones():
    assert sorted(REFUSED) == sorted(
        [
            ("start", "in_progress"),
            ("start", "completed"),
            ("start", "cancelled"),
            ("complete", "scheduled"),
            ("complete", "completed"),
            ("complete", "cancelled"),
            ("cancel", "in_progress"),
            ("cancel", "completed"),
            ("cancel", "cancelled"),
        ]
    )


def test_cancelling_one_in_progress_says_to_complete_it():
    with pytest.raises(rules.TransitionRefused, match=r"in_progress \(complete it instead\)"):
        rules.next_status("cancel", "in_progress")


@pytest.mark.parametrize(("action", "status"), [("start", "completed"), ("complete", "scheduled")])
def test_only_cancel_in_progress_carries_the_hint(action, status):
    with pytest.raises(rules.TransitionRefused) as refused:
        rules.next_status(action, status)
    assert "instead" not in str(refused.value)


# ---- the due transition ----------------------------------------------------------------------------------


def schedule(status: str, *, auto_start: bool = True, auto_complete: bool = True) -> rules.Schedule:
    return rules.Schedule(
        status=status,
        scheduled_start_at=START,
        scheduled_end_at=END,
        auto_start=auto_start,
        auto_complete=auto_complete,
    )


@pytest.mark.parametrize(
    ("status", "auto_start", "auto_complete", "expected"),
    [
        ("scheduled", True, True, ("start", START)),
        ("scheduled", True, False, ("start", START)),
        ("scheduled", False, True, None),
        ("scheduled", False, False, None),
        ("in_progress", True, True, ("complete", END)),
        ("in_progress", False, True, ("complete", END)),
        ("in_progress", True, False, None),
        ("in_progress", False, False, None),
        *[(status, a, c, None) for status in ("completed", "cancelled") for a in (True, False) for c in (True, False)],
    ],
)
def test_due_transition_for_each_status_and_flag(status, auto_start, auto_complete, expected):
    assert rules.due_transition(schedule(status, auto_start=auto_start, auto_complete=auto_complete)) == expected


# ---- impact and editing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", rules.STATUSES)
def test_impact_only_while_in_progress(status):
    services = ["svc_A", "svc_B"]
    expected = {"svc_A": "maintenance", "svc_B": "maintenance"} if status == "in_progress" else {}
    assert rules.impact(status, services) == expected


def test_impact_without_services_is_empty():
    assert rules.impact("in_progress", []) == {}


def test_starting_sets_and_finishing_removes_the_impact():
    services = ["svc_A", "svc_B"]
    started = impact_change(rules.impact("scheduled", services), rules.impact("in_progress", services))
    assert started.set == {"svc_A": "maintenance", "svc_B": "maintenance"}
    assert started.remove == frozenset()
    completed = impact_change(rules.impact("in_progress", services), rules.impact("completed", services))
    assert completed.set == {}
    assert completed.remove == {"svc_A", "svc_B"}
    assert impact_change(rules.impact("scheduled", services), rules.impact("cancelled", services)).empty


EVERY_FIELD = {
    "title",
    "description",
    "affected_services",
    "scheduled_start_at",
    "scheduled_end_at",
    "auto_start",
    "auto_complete",
}


def test_everything_is_editable_while_scheduled():
    rules.check_editable("scheduled", EVERY_FIELD)


def test_only_the_end_is_editable_while_in_progress():
    rules.check_editable("in_progress", {"scheduled_end_at"})
    for field in EVERY_FIELD - {"scheduled_end_at"}:
        with pytest.raises(ValueError) as refused:
            rules.check_editable("in_progress", {field, "scheduled_end_at"})
        message = str(refused.value)
        assert "in_progress" in message
        assert message.endswith(f"not {field}")


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_nothing_is_editable_once_finished(status):
    for field in EVERY_FIELD:
        with pytest.raises(ValueError, match=f"that is {status} allows changing nothing; not {field}"):
            rules.check_editable(status, {field})


def test_refusal_names_every_refused_field_sorted():
    with pytest.raises(ValueError, match="not affected_services, title$"):
        rules.check_editable("in_progress", {"title", "affected_services"})


@pytest.mark.parametrize("status", rules.STATUSES)
def test_changing_nothing_is_always_fine(status):
    rules.check_editable(status, set())


# ---- rollup precedence: maintenance against incidents ----------------------------------------------------


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        (["maintenance"], "under_maintenance"),
        (["maintenance", "maintenance"], "under_maintenance"),
        (["maintenance", "critical"], "major_outage"),
        (["major", "maintenance"], "partial_outage"),
        (["maintenance", "minor"], "degraded_performance"),
        (["low", "maintenance"], "degraded_performance"),
        (["maintenance", "low", "critical"], "major_outage"),
        ([], "operational"),
    ],
)
def test_a_worse_incident_beats_a_maintenance(severities, expected):
    assert service_status(severities) == expected
    assert service_status(reversed(severities)) == expected
