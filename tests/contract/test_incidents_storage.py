"""Incidents' storage, on both stores: numbering, dedupe claims and their lapses, conditional writes, services'
impact, the timeline and paging."""

from datetime import timedelta

import pytest

from flare.catalog.port import services
from flare.catalog.rollup import ServiceImpactChange
from flare.errors import BadRequest
from flare.ids import new_id
from flare.incidents import use_cases
from flare.incidents.lifecycle import service_impact_change
from flare.incidents.models import Message
from flare.incidents.port import storage
from flare.store.errors import DuplicateIncident, ServiceMissing, Stale
from flare.store.queries import Filter
from tests.contract.conftest import make_incident, make_service, new_org
from tests.support import T0

NO_IMPACT = ServiceImpactChange(set={}, remove=frozenset())


def create(incident, messages=()):
    return storage().create_incident(
        incident, list(messages), service_impact_change(None, use_cases.state_of(incident))
    )


def save(before, changes: dict, at, messages=()):
    after = before.model_copy(update=changes | {"version": before.version + 1, "updated_at": at})
    impact = service_impact_change(use_cases.state_of(before), use_cases.state_of(after))
    return storage().save_incident(before, after, list(messages), impact)


def resolve(incident, at):
    return save(incident, {"status": "resolved", "resolved_at": at}, at)


def message(incident, at, text="Investigating", kind="investigating") -> Message:
    return Message(id=new_id("msg", at), incident_id=incident.id, type=kind, description=text, created_at=at)


def test_incidents_are_numbered_one_by_one_per_organisation(caller):
    first, second = create(make_incident(caller)), create(make_incident(caller, T0 + timedelta(seconds=1)))
    other = create(make_incident(new_org()))

    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert storage().incident_id_by_number(caller.org_id, 2) == second.id
    assert storage().incident_id_by_number(caller.org_id, 3) is None


def test_a_held_dedupe_key_refuses_a_second_incident_and_names_its_holder(caller):
    holder = create(make_incident(caller, external_id="disk-full"))

    with pytest.raises(DuplicateIncident) as refused:
        create(make_incident(caller, T0 + timedelta(minutes=1), external_id="disk-full"))

    assert (refused.value.incident_id, refused.value.resolved) == (holder.id, False)
    assert holder.dedupe_claimed
    assert create(make_incident(new_org(), external_id="disk-full")).number == 1  # another organisation's key


def test_a_refused_create_spends_no_number(caller):
    create(make_incident(caller, external_id="disk-full"))
    with pytest.raises(DuplicateIncident):
        create(make_incident(caller, T0 + timedelta(seconds=1), external_id="disk-full"))

    assert create(make_incident(caller, T0 + timedelta(seconds=2))).number == 2


def test_a_window_lets_the_claim_lapse_and_a_repeat_is_no_longer_absorbed(caller):
    window = timedelta(minutes=30)
    first = create(make_incident(caller, external_id="p99", window=window))

    counted = storage().absorb_repeat(caller.org_id, first.id, T0 + timedelta(minutes=29))
    assert counted.occurrences == 2 and counted.version == first.version + 1
    assert storage().absorb_repeat(caller.org_id, first.id, T0 + window) is None

    later = create(make_incident(caller, T0 + window, external_id="p99", window=window))
    assert later.id != first.id and later.dedupe_claimed


def test_times_count_to_the_millisecond(caller):
    """DynamoDB keeps timestamps to the millisecond (and compares them so): a window that ends 0.7 ms into a
    millisecond has ended 0.2 ms into it."""
    window, opened = timedelta(minutes=30), T0 + timedelta(microseconds=700)
    first = create(make_incident(caller, opened, external_id="p99", window=window))
    assert storage().get_incident(caller.org_id, first.id)[0].created_at == T0

    just_after = T0 + window + timedelta(microseconds=200)
    assert storage().absorb_repeat(caller.org_id, first.id, just_after - timedelta(milliseconds=1)).occurrences == 2
    assert storage().absorb_repeat(caller.org_id, first.id, just_after) is None
    assert create(make_incident(caller, just_after, external_id="p99", window=window)).id != first.id


def test_a_resolved_incident_absorbs_nothing(caller):
    incident = create(make_incident(caller, external_id="disk-full"))
    resolved = resolve(incident, T0 + timedelta(minutes=1))

    assert storage().absorb_repeat(caller.org_id, incident.id, T0 + timedelta(minutes=2)) is None
    assert storage().absorb_repeat(caller.org_id, new_id("inc"), T0) is None
    assert storage().get_incident(caller.org_id, incident.id)[0].version == resolved.version


def test_resolving_keeps_the_claim_through_the_cooldown_and_then_lets_it_go(caller):
    incident = create(make_incident(caller, external_id="flappy", cooldown=timedelta(minutes=10)))
    resolved_at = T0 + timedelta(minutes=1)
    resolve(incident, resolved_at)

    with pytest.raises(DuplicateIncident) as refused:
        create(make_incident(caller, resolved_at + timedelta(minutes=9), external_id="flappy"))
    assert (refused.value.incident_id, refused.value.resolved) == (incident.id, True)
    assert create(make_incident(caller, resolved_at + timedelta(minutes=10), external_id="flappy")).number == 2


def test_resolving_without_cooldown_frees_the_key_at_once(caller):
    incident = create(make_incident(caller, external_id="disk-full"))
    resolved = resolve(incident, T0 + timedelta(minutes=1))

    assert not resolved.dedupe_claimed
    assert create(make_incident(caller, T0 + timedelta(minutes=2), external_id="disk-full")).number == 2


def test_reopening_takes_the_claim_back_unless_another_incident_holds_it(caller):
    first = create(make_incident(caller, external_id="disk-full"))
    resolved = resolve(first, T0 + timedelta(minutes=1))
    second = create(make_incident(caller, T0 + timedelta(minutes=2), external_id="disk-full"))

    reopened = save(resolved, {"status": "investigating", "resolved_at": None}, T0 + timedelta(minutes=3))

    assert not reopened.dedupe_claimed
    with pytest.raises(DuplicateIncident) as refused:
        create(make_incident(caller, T0 + timedelta(minutes=4), external_id="disk-full"))
    assert refused.value.incident_id == second.id


def test_a_save_from_a_stale_read_is_refused_and_changes_nothing(caller):
    incident = create(make_incident(caller))
    save(incident, {"title": "First edit"}, T0 + timedelta(minutes=1))

    with pytest.raises(Stale):
        save(incident, {"title": "Second edit"}, T0 + timedelta(minutes=2))
    assert storage().get_incident(caller.org_id, incident.id)[0].title == "First edit"


def test_an_active_incident_puts_its_severity_on_its_services_until_it_resolves(caller):
    checkout = make_service(caller)
    incident = create(make_incident(caller, affected_services=[checkout.id], publish=True, severity="critical"))
    assert services().get_service(caller.org_id, checkout.id).impacts == {incident.id: "critical"}

    resolve(incident, T0 + timedelta(minutes=1))
    assert services().get_service(caller.org_id, checkout.id).impacts == {}


def test_a_draft_puts_no_impact_but_must_name_real_services(caller):
    checkout = make_service(caller)
    create(make_incident(caller, affected_services=[checkout.id]))
    assert services().get_service(caller.org_id, checkout.id).impacts == {}

    missing = new_id("svc")
    with pytest.raises(ServiceMissing) as refused:
        create(make_incident(caller, T0 + timedelta(seconds=1), affected_services=[checkout.id, missing]))
    assert refused.value.service_id == missing
    assert storage().incident_id_by_number(caller.org_id, 2) is None


def test_another_organisations_service_is_missing(caller):
    foreign = make_service(new_org())
    with pytest.raises(ServiceMissing):
        create(make_incident(caller, affected_services=[foreign.id], publish=True))


def test_a_blind_message_moves_an_unresolved_incident_and_is_refused_on_a_resolved_one(caller):
    incident = create(make_incident(caller))
    at = T0 + timedelta(minutes=1)

    assert storage().append_message(caller.org_id, message(incident, at, kind="identified"), at)
    read, timeline = storage().get_incident(caller.org_id, incident.id)
    assert (read.status, read.version, [m.type for m in timeline]) == (
        "identified",
        incident.version + 1,
        ["identified"],
    )

    resolve(read, at + timedelta(minutes=1))
    later = at + timedelta(minutes=2)
    assert not storage().append_message(caller.org_id, message(incident, later, "Still?", "update"), later)
    assert storage().append_message(caller.org_id, message(read, later), later) is False


def test_deleting_removes_the_incident_its_reference_its_claim_and_its_impact(caller):
    checkout = make_service(caller)
    incident = create(make_incident(caller, external_id="disk-full", affected_services=[checkout.id], publish=True))

    with pytest.raises(Stale):
        storage().delete_incident(incident.model_copy(update={"version": 0}), NO_IMPACT)
    storage().delete_incident(incident, service_impact_change(use_cases.state_of(incident), None))

    assert storage().get_incident(caller.org_id, incident.id) is None
    assert storage().incident_id_by_number(caller.org_id, incident.number) is None
    assert services().get_service(caller.org_id, checkout.id).impacts == {}
    assert create(make_incident(caller, T0 + timedelta(minutes=1), external_id="disk-full")).number == 2


def test_lists_are_newest_first_in_pages_that_end(caller):
    made = [
        create(make_incident(caller, T0 + timedelta(minutes=n), severity="minor" if n % 2 else "major"))
        for n in range(5)
    ]
    newest_first = [incident.id for incident in reversed(made)]

    seen, start = [], None
    for _ in range(3):
        page = storage().list_incidents(caller.org_id, limit=2, start=start, id_range=None, where=Filter())
        seen.append([incident.id for incident in page.items])
        start = page.next_position
    assert seen == [newest_first[:2], newest_first[2:4], newest_first[4:]]
    assert start is None


def test_lists_filter_and_a_position_from_another_list_is_refused(caller):
    made = [
        create(make_incident(caller, T0 + timedelta(minutes=n), severity="minor" if n % 2 else "major"))
        for n in range(5)
    ]
    minor = storage().list_incidents(
        caller.org_id, limit=10, start=None, id_range=None, where=Filter().any_of("severity", ["minor"])
    )
    assert [incident.id for incident in minor.items] == [made[3].id, made[1].id]
    assert storage().list_incidents(new_org().org_id, limit=10, start=None, id_range=None, where=Filter()).items == []

    page = storage().list_incidents(caller.org_id, limit=1, start=None, id_range=None, where=Filter())
    with pytest.raises(BadRequest):
        storage().list_messages(caller.org_id, made[0].id, limit=1, start=page.next_position)


def test_the_timeline_pages_newest_first(caller):
    incident = create(make_incident(caller))
    for n in range(3):
        at = T0 + timedelta(minutes=n + 1)
        storage().append_message(caller.org_id, message(incident, at, f"step {n}", "update"), at)

    first = storage().list_messages(caller.org_id, incident.id, limit=2, start=None)
    rest = storage().list_messages(caller.org_id, incident.id, limit=2, start=first.next_position)
    assert [m.description for m in first.items + rest.items] == ["step 2", "step 1", "step 0"]
    assert rest.next_position is None
    _incident, newest = storage().get_incident(caller.org_id, incident.id, message_limit=1)
    assert [m.description for m in newest] == ["step 2"]
