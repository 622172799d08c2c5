from datetime import UTC, datetime

from flare.incidents.lifecycle import (
    IncidentState,
    apply_message,
    impacts_services,
    lifecycle,
    publish,
    service_impact_change,
    set_status,
)

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
T1 = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def state(**changes) -> IncidentState:
    base = dict(status="investigating", published=True, severity="major", affected_services=("svc_a", "svc_b"))
    return IncidentState(**(base | changes))


def test_lifecycle_is_derived_from_status_and_publication():
    assert lifecycle("investigating", False) == "draft"
    assert lifecycle("monitoring", True) == "active"
    assert lifecycle("resolved", True) == "resolved"
    assert lifecycle("resolved", False) == "resolved"


def test_resolved_message_resolves_and_stamps_the_time():
    resolved = apply_message(state(), "resolved", T0)
    assert resolved.status == "resolved"
    assert resolved.resolved_at == T0
    assert resolved.reopen_count == 0


def test_status_message_on_resolved_incident_reopens_it():
    resolved = apply_message(state(), "resolved", T0)
    reopened = apply_message(resolved, "identified", T1)
    assert reopened.status == "identified"
    assert reopened.resolved_at is None
    assert reopened.reopen_count == 1
    assert apply_message(apply_message(reopened, "resolved", T1), "investigating", T1).reopen_count == 2


def test_update_message_changes_nothing_even_on_resolved_incident():
    resolved = apply_message(state(), "resolved", T0)
    assert apply_message(resolved, "update", T1) == resolved
    assert apply_message(state(), "update", T1) == state()


def test_same_status_is_no_change():
    assert set_status(state(), "investigating", T0) is not None
    assert set_status(state(), "investigating", T0) == state()


def test_only_published_unresolved_incidents_impact_services():
    assert impacts_services(state())
    assert not impacts_services(state(published=False))
    assert not impacts_services(state(status="resolved"))
    assert impacts_services(publish(state(published=False)))


def test_creating_an_active_incident_sets_every_service():
    change = service_impact_change(None, state())
    assert change.set == {"svc_a": "major", "svc_b": "major"}
    assert change.remove == frozenset()


def test_a_draft_touches_no_service():
    assert service_impact_change(None, state(published=False)).empty


def test_resolving_removes_every_service_impact():
    before = state()
    change = service_impact_change(before, apply_message(before, "resolved", T0))
    assert change.set == {}
    assert change.remove == {"svc_a", "svc_b"}


def test_severity_change_rewrites_and_service_change_adds_and_removes():
    before = state()
    change = service_impact_change(before, state(severity="critical", affected_services=("svc_b", "svc_c")))
    assert change.set == {"svc_b": "critical", "svc_c": "critical"}
    assert change.remove == {"svc_a"}


def test_unrelated_change_writes_nothing_and_delete_removes_all():
    assert service_impact_change(state(), state()).empty
    assert service_impact_change(state(), None).remove == {"svc_a", "svc_b"}
