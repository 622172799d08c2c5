"""Use-case tier (in-memory store, no DynamoDB): what filing a report does when its dedupe key (source,
external_id) is already known — absorbed, reopened within a cooldown, or a new incident — for reports filed
through POST /incidents, with a reopen cooldown (as receivers file them) and from a metric (30-minute window)."""

from datetime import datetime, timedelta

from flare.catalog.metrics import create_metric, open_incident
from flare.catalog.models import CreateMetricRequest
from flare.incidents import filing
from flare.incidents.dedupe import DedupePolicy
from flare.incidents.models import CreateIncidentRequest, Incident, Message, ResolveIncidentRequest
from flare.incidents.use_cases import get_incident, resolve_incident
from tests.use_cases.conftest import new_service

SOURCE = "prometheus"
ALERT = "HighErrorRate/checkout"
COOLDOWN = timedelta(minutes=30)


def report(caller, **fields):
    """POST /incidents with the known alert's dedupe key (unless `fields` say otherwise)."""
    body = {"title": "Checkout errors", "source": SOURCE, "external_id": ALERT} | fields
    return filing.create_incident(caller, CreateIncidentRequest(**body))


def report_with_cooldown(caller) -> filing.Filed:
    """File the known alert as a receiver does: repeats within COOLDOWN of resolving reopen the incident."""

    def draft(now: datetime) -> tuple[Incident, list[Message]]:
        incident = filing.new_incident(
            caller,
            now,
            title="Checkout errors",
            severity="major",
            source=SOURCE,
            external_id=ALERT,
            policy=DedupePolicy(cooldown=COOLDOWN),
        )
        return incident, []

    return filing.file_incident(caller, draft, reopen_note="Fired again")


def resolve(caller, incident_id: str):
    return resolve_incident(caller, incident_id, ResolveIncidentRequest())


# ---- POST /incidents ------------------------------------------------------------------------------------


def test_a_first_report_files_a_new_incident(caller):
    filed, created = report(caller)

    assert created is True
    assert (filed.reference, filed.occurrences, filed.status, filed.lifecycle) == ("INC-1", 1, "investigating", "draft")
    assert (filed.source, filed.external_id) == (SOURCE, ALERT)


def test_a_repeat_while_unresolved_is_absorbed_into_the_same_incident(caller, clock):
    first, _ = report(caller)
    clock.advance(minutes=5)

    repeat, created = report(caller)

    assert created is False
    assert (repeat.id, repeat.reference, repeat.occurrences) == (first.id, "INC-1", 2)
    assert repeat.last_seen_at > first.last_seen_at
    assert get_incident(caller, first.id).occurrences == 2


def test_every_repeat_is_counted(caller):
    first, _ = report(caller)
    report(caller)

    third, created = report(caller)

    assert (third.id, third.occurrences, created) == (first.id, 3, False)


def test_a_repeat_changes_nothing_but_the_count(caller):
    first, _ = report(caller, initial_message={"type": "investigating", "description": "Looking"})

    repeat, _ = report(caller, title="Something else", severity="critical")

    assert (repeat.title, repeat.severity) == ("Checkout errors", "minor")
    assert [message.id for message in repeat.messages] == [message.id for message in first.messages]


def test_the_same_external_id_from_another_source_is_another_incident(caller):
    first, _ = report(caller)

    other, created = report(caller, source="grafana")

    assert created is True
    assert other.id != first.id


def test_reports_without_an_external_id_are_never_deduplicated(caller):
    first, _ = report(caller, source=None, external_id=None)

    second, created = report(caller, source=None, external_id=None)

    assert created is True
    assert (first.reference, second.reference) == ("INC-1", "INC-2")


def test_another_organisation_with_the_same_key_files_its_own_incident(caller, other_caller):
    mine, _ = report(caller)

    theirs, created = report(other_caller)

    assert created is True
    assert theirs.id != mine.id
    assert (theirs.reference, theirs.occurrences) == ("INC-1", 1)
    assert get_incident(caller, mine.id).occurrences == 1


def test_references_are_numbered_per_organisation_and_absorbed_repeats_take_no_number(caller, other_caller):
    first, _ = report(caller)
    report(caller)  # absorbed
    second, _ = report(caller, external_id="DiskFull/db")
    theirs, _ = report(other_caller, external_id="DiskFull/db")

    assert (first.reference, second.reference, theirs.reference) == ("INC-1", "INC-2", "INC-1")
    assert get_incident(caller, "inc-2").id == second.id
    assert get_incident(other_caller, "INC-1").id == theirs.id


def test_after_resolving_without_cooldown_the_next_report_is_a_new_incident(caller, clock):
    first, _ = report(caller)
    resolve(caller, first.id)
    clock.advance(seconds=10)

    second, created = report(caller)

    assert created is True
    assert second.id != first.id
    assert (second.reference, second.status, second.occurrences) == ("INC-2", "investigating", 1)
    assert get_incident(caller, first.id).status == "resolved"


# ---- a reopen cooldown (as alert receivers file) ----------------------------------------------------------


def test_a_repeat_within_the_cooldown_reopens_the_resolved_incident(caller, clock):
    first = report_with_cooldown(caller).incident
    resolve(caller, first.id)
    clock.advance(minutes=29)

    repeat = report_with_cooldown(caller)

    assert (repeat.outcome, repeat.incident.id) == ("reopened", first.id)
    reopened = get_incident(caller, first.id)
    assert (reopened.status, reopened.reopen_count, reopened.resolved_at) == ("investigating", 1, None)
    assert [(m.type, m.description) for m in reopened.messages][:2] == [
        ("investigating", "Fired again"),
        ("resolved", "This incident has been resolved."),
    ]


def test_a_repeat_after_the_reopened_incident_is_absorbed_again(caller, clock):
    first = report_with_cooldown(caller).incident
    resolve(caller, first.id)
    report_with_cooldown(caller)  # reopened: its second report

    repeat = report_with_cooldown(caller)

    assert (repeat.outcome, repeat.incident.id, repeat.incident.occurrences) == ("absorbed", first.id, 3)


def test_a_repeat_after_the_cooldown_opens_a_new_incident(caller, clock):
    first = report_with_cooldown(caller).incident
    resolve(caller, first.id)
    clock.advance(minutes=31)

    repeat = report_with_cooldown(caller)

    assert repeat.outcome == "created"
    assert repeat.incident.id != first.id
    assert repeat.incident.number == 2
    old = get_incident(caller, first.id)
    assert (old.status, old.reopen_count) == ("resolved", 0)


# ---- from a metric (30-minute window) -----------------------------------------------------------------------


def new_metric(caller) -> str:
    service_id = new_service(caller)
    return create_metric(caller, CreateMetricRequest(name="p99 latency", service_id=service_id, severity="major")).id


def test_a_metric_files_a_draft_incident_on_its_service(caller):
    metric_id = new_metric(caller)

    filed, created = open_incident(caller, metric_id)

    assert created is True
    assert (filed.title, filed.severity, filed.lifecycle, filed.source) == ("p99 latency", "major", "draft", "metric")
    assert [service.name for service in filed.affected_services] == ["Checkout"]


def test_a_metric_call_within_30_minutes_is_absorbed(caller, clock):
    metric_id = new_metric(caller)
    first, _ = open_incident(caller, metric_id)
    clock.advance(minutes=29)

    repeat, created = open_incident(caller, metric_id)

    assert created is False
    assert (repeat.id, repeat.occurrences) == (first.id, 2)


def test_a_metric_call_after_30_minutes_opens_a_new_incident_though_the_first_is_unresolved(caller, clock):
    metric_id = new_metric(caller)
    first, _ = open_incident(caller, metric_id)
    open_incident(caller, metric_id)
    clock.advance(minutes=31)

    later, created = open_incident(caller, metric_id)

    assert created is True
    assert (later.reference, later.occurrences) == ("INC-2", 1)
    old = get_incident(caller, first.id)
    assert (old.status, old.occurrences) == ("investigating", 2)
