"""Use-case tier (in-memory store, no DynamoDB): flare.alerting.receiving.receive on what Alertmanager really sends
(tests/fixtures/vendors/alertmanager) — a firing alert opens an incident, its repeats are absorbed, its resolve
resolves it, and a firing within the integration's cooldown after resolving reopens it."""

import pytest

from flare.alerting.integrations import create_integration
from flare.alerting.models import CreateIntegrationRequest
from flare.alerting.receiving import receive
from flare.errors import NotFound
from flare.ids import new_id
from flare.incidents.use_cases import get_incident
from tests.support.receivers import AM_FIRING, AM_RESOLVED
from tests.use_cases.conftest import new_service, service_status

HEADERS = {"Content-Type": "application/json", "User-Agent": "Alertmanager/0.25.0"}


def connect(caller, **fields) -> str:
    """A new Alertmanager integration (as POST /integrations makes it), its id."""
    request = CreateIntegrationRequest(**({"type": "alertmanager", "name": "prod alertmanager"} | fields))
    return create_integration(caller, request).id


def deliver(caller, integration_id: str, body: bytes):
    """One delivery to the integration's receiver, as the webhook function hands it over."""
    return receive(caller, "alertmanager", integration_id, body, HEADERS)


def messages(caller, incident_id: str) -> list[str]:
    return [message.type for message in get_incident(caller, incident_id).messages]


@pytest.fixture
def hook(caller) -> str:
    return connect(caller)


def test_a_firing_alert_opens_a_draft_incident(caller, hook):
    received = deliver(caller, hook, AM_FIRING)

    assert (received.outcome, received.reference, received.occurrences) == ("created", "INC-1", 1)
    opened = get_incident(caller, received.incident_id)
    assert (opened.title, opened.severity, opened.status) == ("HighErrorRate on checkout", "critical", "investigating")
    assert (opened.source, opened.lifecycle) == ("alertmanager", "draft")
    assert opened.metadata["integration_id"] == hook
    assert (opened.created_by.type, opened.created_by.id) == ("integration", hook)
    assert messages(caller, received.incident_id) == ["investigating"]


def test_the_same_delivery_again_is_absorbed_into_the_incident(caller, clock, hook):
    first = deliver(caller, hook, AM_FIRING)
    clock.advance(minutes=2)

    repeat = deliver(caller, hook, AM_FIRING)

    assert (repeat.outcome, repeat.incident_id, repeat.occurrences) == ("absorbed", first.incident_id, 2)
    assert get_incident(caller, first.incident_id).occurrences == 2
    assert messages(caller, first.incident_id) == ["investigating"]


def test_a_resolved_delivery_resolves_the_incident(caller, hook):
    first = deliver(caller, hook, AM_FIRING)

    resolved = deliver(caller, hook, AM_RESOLVED)

    assert (resolved.outcome, resolved.incident_id) == ("resolved", first.incident_id)
    incident = get_incident(caller, first.incident_id)
    assert incident.status == "resolved"
    assert incident.resolved_at is not None
    assert messages(caller, first.incident_id) == ["resolved", "investigating"]


def test_a_resolve_with_nothing_open_is_ignored_and_opens_nothing(caller, hook):
    received = deliver(caller, hook, AM_RESOLVED)

    assert (received.outcome, received.incident_id) == ("ignored", None)
    assert received.detail == "no unresolved incident for this alert"
    with pytest.raises(NotFound):
        get_incident(caller, "INC-1")


def test_a_second_resolve_is_ignored(caller, hook):
    deliver(caller, hook, AM_FIRING)
    deliver(caller, hook, AM_RESOLVED)

    again = deliver(caller, hook, AM_RESOLVED)

    assert (again.outcome, again.incident_id) == ("ignored", None)


def test_a_service_named_in_the_labels_is_attached_whatever_its_case(caller, hook):
    service_id = new_service(caller, "Checkout")  # the alert's label says "checkout"

    received = deliver(caller, hook, AM_FIRING)

    incident = get_incident(caller, received.incident_id)
    assert [service.id for service in incident.affected_services] == [service_id]
    assert "unmatched_services" not in incident.metadata


def test_a_service_the_organisation_lacks_is_noted_and_the_defaults_are_used(caller):
    default_id = new_service(caller, "Platform")
    hook = connect(caller, default_services=[default_id])

    received = deliver(caller, hook, AM_FIRING)

    incident = get_incident(caller, received.incident_id)
    assert [service.id for service in incident.affected_services] == [default_id]
    assert incident.metadata["unmatched_services"] == ["checkout"]


def test_a_publishing_integration_takes_the_service_down_until_the_alert_resolves(caller):
    service_id = new_service(caller, "Checkout")
    hook = connect(caller, publish=True)

    deliver(caller, hook, AM_FIRING)
    down = service_status(caller, service_id)
    deliver(caller, hook, AM_RESOLVED)

    assert down == "major_outage"
    assert service_status(caller, service_id) == "operational"


def test_the_integrations_severity_mapping_overrides_the_senders(caller):
    hook = connect(caller, severity_mapping={"CRITICAL": "minor"})

    received = deliver(caller, hook, AM_FIRING)

    assert get_incident(caller, received.incident_id).severity == "minor"


def test_a_firing_within_the_cooldown_after_resolving_reopens_the_incident(caller, clock, hook):
    first = deliver(caller, hook, AM_FIRING)
    deliver(caller, hook, AM_RESOLVED)
    clock.advance(minutes=29)

    reopened = deliver(caller, hook, AM_FIRING)

    assert (reopened.outcome, reopened.incident_id) == ("reopened", first.incident_id)
    incident = get_incident(caller, first.incident_id)
    assert (incident.status, incident.reopen_count, incident.resolved_at) == ("investigating", 1, None)
    assert messages(caller, first.incident_id) == ["investigating", "resolved", "investigating"]


def test_a_firing_after_the_cooldown_opens_a_new_incident(caller, clock, hook):
    first = deliver(caller, hook, AM_FIRING)
    deliver(caller, hook, AM_RESOLVED)
    clock.advance(minutes=31)

    later = deliver(caller, hook, AM_FIRING)

    assert (later.outcome, later.reference) == ("created", "INC-2")
    assert get_incident(caller, first.incident_id).status == "resolved"


def test_with_no_cooldown_the_next_firing_after_resolving_is_a_new_incident(caller, clock):
    hook = connect(caller, cooldown_minutes=0)
    first = deliver(caller, hook, AM_FIRING)
    deliver(caller, hook, AM_RESOLVED)
    clock.advance(seconds=1)

    later = deliver(caller, hook, AM_FIRING)

    assert later.outcome == "created"
    assert later.incident_id != first.incident_id


def test_two_integrations_with_the_same_alert_keep_their_incidents_apart(caller):
    prod, staging = connect(caller, name="prod"), connect(caller, name="staging")

    first = deliver(caller, prod, AM_FIRING)
    second = deliver(caller, staging, AM_FIRING)

    assert second.outcome == "created"
    assert (first.reference, second.reference) == ("INC-1", "INC-2")


def test_a_delivery_to_an_unknown_or_another_organisations_integration_is_not_found(caller, other_caller, hook):
    with pytest.raises(NotFound):
        deliver(caller, new_id("int"), AM_FIRING)
    with pytest.raises(NotFound):
        deliver(other_caller, hook, AM_FIRING)
