"""Use-case tier (in-memory store, no DynamoDB): an incident's lifecycle through flare.incidents.use_cases —
updates and timeline messages, publishing, resolving and reopening, If-Match, deleting — and what it does to
the status of the services it affects."""

from datetime import timedelta

import pytest

from flare.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from flare.ids import new_id
from flare.incidents import use_cases
from flare.incidents.filing import create_incident
from flare.incidents.models import (
    CreateIncidentRequest,
    CreateMessageRequest,
    ResolveIncidentRequest,
    UpdateIncidentRequest,
)
from flare.preconditions import etag
from tests.use_cases.conftest import new_service, service_status


def file(caller, **fields):
    incident, _created = create_incident(caller, CreateIncidentRequest(**({"title": "Checkout errors"} | fields)))
    return incident


def update(caller, incident_id: str, *, if_match: str | None = None, **fields):
    return use_cases.update_incident(caller, incident_id, UpdateIncidentRequest(**fields), if_match=if_match)


def post(caller, incident_id: str, message_type: str, description: str = "A note"):
    return use_cases.add_message(caller, incident_id, CreateMessageRequest(type=message_type, description=description))


def resolve(caller, incident_id: str, description: str = "Fixed"):
    return use_cases.resolve_incident(caller, incident_id, ResolveIncidentRequest(description=description))


def timeline(caller, incident_id: str) -> list[tuple[str, str]]:
    """The incident's messages, newest first, as (type, description)."""
    return [(message.type, message.description) for message in use_cases.get_incident(caller, incident_id).messages]


# ---- updates and messages -----------------------------------------------------------------------------------


def test_an_update_with_a_status_moves_the_incident_and_posts_that_message(caller):
    incident = file(caller)

    updated = update(caller, incident.id, status="identified", message="Bad deploy found")

    assert (updated.status, updated.version) == ("identified", incident.version + 1)
    assert timeline(caller, incident.id) == [("identified", "Bad deploy found")]


def test_a_message_alone_is_posted_as_an_update_and_keeps_the_status(caller):
    incident = file(caller, status="monitoring")

    updated = update(caller, incident.id, message="Still watching")

    assert updated.status == "monitoring"
    assert timeline(caller, incident.id) == [("update", "Still watching")]


def test_a_resolving_message_resolves_and_an_investigating_one_reopens(caller):
    incident = file(caller)

    post(caller, incident.id, "resolved", "All good")
    resolved = use_cases.get_incident(caller, incident.id)
    post(caller, incident.id, "investigating", "Back again")
    reopened = use_cases.get_incident(caller, incident.id)

    assert (resolved.status, resolved.lifecycle) == ("resolved", "resolved")
    assert resolved.resolved_at is not None
    assert (reopened.status, reopened.reopen_count, reopened.resolved_at) == ("investigating", 1, None)
    assert timeline(caller, incident.id) == [("investigating", "Back again"), ("resolved", "All good")]


def test_an_update_message_on_a_resolved_incident_is_a_note_and_does_not_reopen_it(caller):
    incident = file(caller)
    resolve(caller, incident.id)

    post(caller, incident.id, "update", "Postmortem on Friday")

    after = use_cases.get_incident(caller, incident.id)
    assert (after.status, after.reopen_count) == ("resolved", 0)
    assert timeline(caller, incident.id)[0] == ("update", "Postmortem on Friday")


def test_a_stale_if_match_is_refused_and_changes_nothing(caller):
    incident = file(caller)
    update(caller, incident.id, title="Checkout is slow")

    with pytest.raises(PreconditionFailed):
        update(caller, incident.id, if_match=etag(incident.version), title="Checkout is down")

    assert use_cases.get_incident(caller, incident.id).title == "Checkout is slow"


def test_a_current_if_match_is_accepted(caller):
    incident = file(caller)

    updated = update(caller, incident.id, if_match=etag(incident.version), severity="critical")

    assert (updated.severity, updated.version) == ("critical", incident.version + 1)


# ---- publishing and resolving ---------------------------------------------------------------------------------


def test_publishing_a_draft_makes_it_active_and_publishing_again_changes_nothing(caller):
    draft = file(caller)

    published = use_cases.publish_incident(caller, draft.id)
    again = use_cases.publish_incident(caller, draft.id)

    assert (draft.lifecycle, published.lifecycle) == ("draft", "active")
    assert published.published_at is not None
    assert (again.version, again.published_at) == (published.version, published.published_at)


def test_a_resolved_draft_cannot_be_published(caller):
    draft = file(caller)
    resolve(caller, draft.id)

    with pytest.raises(Conflict):
        use_cases.publish_incident(caller, draft.id)

    assert use_cases.get_incident(caller, draft.id).published_at is None


def test_resolving_stamps_resolved_at_and_resolving_again_changes_nothing(caller, clock):
    incident = file(caller)
    clock.advance(minutes=10)

    resolved = resolve(caller, incident.id, "Rolled back")
    clock.advance(minutes=5)
    again = resolve(caller, incident.id, "Rolled back twice?")

    assert resolved.status == "resolved"
    assert resolved.resolved_at - incident.created_at >= timedelta(minutes=10)
    assert (again.version, again.resolved_at) == (resolved.version, resolved.resolved_at)
    assert timeline(caller, incident.id) == [("resolved", "Rolled back")]


# ---- deleting ---------------------------------------------------------------------------------------------


def test_a_deleted_incident_is_gone_by_id_and_by_reference(caller):
    incident = file(caller)
    assert incident.reference == "INC-1"

    use_cases.delete_incident(caller, "INC-1")

    with pytest.raises(NotFound):
        use_cases.get_incident(caller, incident.id)
    with pytest.raises(NotFound):
        use_cases.get_incident(caller, "INC-1")


def test_a_deleted_incidents_number_is_never_handed_out_again(caller):
    use_cases.delete_incident(caller, file(caller).id)

    assert file(caller).reference == "INC-2"


# ---- the services it affects ------------------------------------------------------------------------------


def test_a_published_critical_incident_takes_its_service_down_until_resolved(caller):
    service_id = new_service(caller)
    incident = file(caller, severity="critical", affected_services=[service_id], publish=True)

    down = service_status(caller, service_id)
    resolve(caller, incident.id)

    assert down == "major_outage"
    assert service_status(caller, service_id) == "operational"


def test_a_draft_affects_its_service_only_once_published(caller):
    service_id = new_service(caller)
    draft = file(caller, severity="major", affected_services=[service_id])

    while_draft = service_status(caller, service_id)
    use_cases.publish_incident(caller, draft.id)

    assert while_draft == "operational"
    assert service_status(caller, service_id) == "partial_outage"


def test_changing_the_severity_of_an_active_incident_moves_its_service(caller):
    service_id = new_service(caller)
    incident = file(caller, severity="critical", affected_services=[service_id], publish=True)

    update(caller, incident.id, severity="minor")

    assert service_status(caller, service_id) == "degraded_performance"


def test_deleting_an_active_incident_returns_its_service_to_operational(caller):
    service_id = new_service(caller)
    incident = file(caller, severity="critical", affected_services=[service_id], publish=True)

    use_cases.delete_incident(caller, incident.id)

    assert service_status(caller, service_id) == "operational"


def test_naming_a_service_the_organisation_does_not_have_is_refused(caller):
    missing = new_id("svc")

    with pytest.raises(ValidationFailed) as refused:
        file(caller, affected_services=[missing])

    assert [(error.field, error.message) for error in refused.value.errors] == [
        ("affected_services", f"no service {missing} in this organisation")
    ]
    with pytest.raises(NotFound):
        use_cases.get_incident(caller, "INC-1")


def test_adding_a_missing_service_to_an_incident_is_refused(caller):
    incident = file(caller)

    with pytest.raises(ValidationFailed):
        update(caller, incident.id, affected_services=[new_id("svc")])

    assert use_cases.get_incident(caller, incident.id).affected_services == []
