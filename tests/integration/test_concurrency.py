"""Races against the locked moto server, many writers at once through the domain layer.

The domain layer is what runs concurrently in production (many Lambda instances); Powertools' resolver keeps
the current request in class state, so handlers are raced here through the functions they call.
"""

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.errors import PreconditionFailed, Unavailable
from flare.http.idempotency import idempotent
from flare.http.responses import json_response
from flare.incidents import filing
from flare.incidents import use_cases as incidents
from flare.incidents.models import CreateIncidentRequest, CreateMessageRequest, UpdateIncidentRequest
from tests.support import WRITERS, caller_of, incident_items, race


def test_duplicate_storm_on_external_id_files_one_incident(org, table):
    caller = caller_of(org)
    request = CreateIncidentRequest(title="Disk full on db-1", source="alertmanager", external_id="db-1-disk")

    results = race(lambda _: filing.create_incident(caller, request))

    ids = {incident.id for incident, _created in results}
    assert len(ids) == 1
    assert sum(created for _incident, created in results) == 1
    assert len(incident_items(table)) == 1


def test_duplicate_storm_on_idempotency_key_files_one_incident(org, table):
    caller = caller_of(org)
    request = CreateIncidentRequest(title="Checkout down")

    def create(_):
        def action():
            incident, created = filing.create_incident(caller, request)
            return json_response(201 if created else 200, incident)

        return idempotent(APIGatewayRestResolver(), "storm-key-1", caller, "POST /api/v1/incidents", request, action)

    responses = race(create)

    assert {response.status_code for response in responses} == {201}
    assert len({_id(response) for response in responses}) == 1
    assert sum(response.headers.get("Idempotent-Replayed") == "true" for response in responses) == WRITERS - 1
    assert len(incident_items(table)) == 1


def _id(response) -> str:
    """The incident id in a fresh response (a model) or a replayed one (the stored JSON object)."""
    return response.body.id if hasattr(response.body, "id") else response.body["id"]


def test_concurrent_messages_all_land(org, table):
    caller = caller_of(org)
    incident, _ = filing.create_incident(caller, CreateIncidentRequest(title="Latency", publish=True))

    race(lambda n: incidents.add_message(caller, incident.id, CreateMessageRequest(type="update", description=f"#{n}")))

    timeline = incidents.list_messages(caller, incident.id, limit=100, after=None).messages
    assert sorted(message.description for message in timeline) == sorted(f"#{n}" for n in range(WRITERS))
    assert incidents.get_incident(caller, incident.id).version == 1 + WRITERS


def test_concurrent_stale_if_match_patches_one_wins(org, table):
    caller = caller_of(org)
    incident, _ = filing.create_incident(caller, CreateIncidentRequest(title="Errors"))

    def patch(n):
        try:
            return incidents.update_incident(
                caller, incident.id, UpdateIncidentRequest(title=f"Errors #{n}"), if_match=f'"{incident.version}"'
            )
        except PreconditionFailed:
            return None

    results = race(patch)

    winners = [result for result in results if result is not None]
    assert len(winners) == 1
    assert incidents.get_incident(caller, incident.id).title == winners[0].title


@pytest.mark.parametrize("writers", [20])
def test_concurrent_resolve_and_reopen_keep_services_consistent(org, table, writers):
    """Half resolve, half reopen, at once: whatever wins last, the service's status matches the incident."""
    from flare.catalog import services
    from flare.catalog.models import CreateServiceRequest

    caller = caller_of(org)
    service = services.create_service(caller, CreateServiceRequest(name="Payments"))
    incident, _ = filing.create_incident(
        caller,
        CreateIncidentRequest(
            title="Payments failing", severity="critical", publish=True, affected_services=[service.id]
        ),
    )

    def flip(n):
        kind = "resolved" if n % 2 else "investigating"
        try:
            incidents.add_message(caller, incident.id, CreateMessageRequest(type=kind, description=kind))
            return True
        except Unavailable:  # a 503 "try again" under this much contention is allowed; half a write is not
            return False

    landed = race(flip, writers)
    assert sum(landed) >= writers // 2

    final = incidents.get_incident(caller, incident.id)
    expected = "operational" if final.status == "resolved" else "major_outage"
    assert services.get_service(caller, service.id).status == expected
    assert final.affected_services[0].status == expected
