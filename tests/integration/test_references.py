"""Short references: every incident is INC-<n> in its organisation, allocated atomically, usable in paths."""

import pytest

from flare.incidents import filing
from flare.incidents.models import CreateIncidentRequest
from flare.store import incidents as incidents_store
from tests.support import caller_of, race
from tests.support.invoking import invoke


def create(org, title="Checkout is down", **fields) -> dict:
    reply = invoke("create_incident", org.api_key, body={"title": title} | fields)
    assert reply.status in (200, 201), reply.body
    return reply.body


def test_incidents_are_numbered_per_organisation_in_order(org, other_org):
    assert [create(org)["reference"] for _ in range(3)] == ["INC-1", "INC-2", "INC-3"]
    assert create(other_org)["reference"] == "INC-1"


def test_the_reference_is_shown_in_lists_and_gets(org):
    made = create(org)
    listed = invoke("list_incidents", org.api_key, query={}).body["incidents"]
    assert [(item["id"], item["reference"]) for item in listed] == [(made["id"], "INC-1")]
    got = invoke("get_incident", org.api_key, path_params={"incident_id": made["id"]}).body
    assert got["reference"] == "INC-1"


def test_a_reference_works_wherever_an_incident_id_does(org):
    made = create(org)
    by_ref = {"incident_id": "INC-1"}

    assert invoke("get_incident", org.api_key, path_params={"incident_id": "inc-1"}).body["id"] == made["id"]
    posted = invoke(
        "create_incident_message", org.api_key, path_params=by_ref, body={"type": "identified", "description": "DB"}
    )
    assert posted.status == 201 and posted.body["incident_id"] == made["id"]
    patched = invoke("update_incident", org.api_key, path_params=by_ref, body={"title": "Checkout is slow"})
    assert patched.body["title"] == "Checkout is slow"
    assert invoke("publish_incident", org.api_key, path_params=by_ref, body=None).body["lifecycle"] == "active"
    messages = invoke("list_incident_messages", org.api_key, path_params=by_ref, query={}).body["messages"]
    assert [message["type"] for message in messages] == ["identified"]
    resolved = invoke("resolve_incident", org.api_key, path_params=by_ref, body={"description": "Fixed."})
    assert resolved.body["status"] == "resolved"
    assert invoke("delete_incident", org.api_key, path_params=by_ref).status == 204
    assert invoke("get_incident", org.api_key, path_params=by_ref).status == 404


@pytest.mark.parametrize("reference", ["INC-2", "INC-0", "INC-01", "INC-", "INC-99999999999999999999", "INC-1x"])
def test_unknown_or_malformed_references_are_404(org, reference):
    create(org)
    reply = invoke("get_incident", org.api_key, path_params={"incident_id": reference})
    assert reply.status == 404
    assert reply.headers["Content-Type"] == "application/problem+json"


def test_another_organisations_reference_names_their_own_incident_or_nothing(org, other_org):
    mine = create(org)
    create(org)
    theirs = create(other_org)

    assert invoke("get_incident", other_org.api_key, path_params={"incident_id": "INC-1"}).body["id"] == theirs["id"]
    assert invoke("get_incident", other_org.api_key, path_params={"incident_id": "INC-2"}).status == 404
    deleted = invoke("delete_incident", other_org.api_key, path_params={"incident_id": "INC-2"})
    assert deleted.status == 404
    assert invoke("get_incident", org.api_key, path_params={"incident_id": "INC-1"}).body["id"] == mine["id"]


def test_a_refused_create_spends_no_number(org):
    create(org)
    refused = invoke("create_incident", org.api_key, body={"title": "x", "affected_services": ["svc_" + "0" * 26]})
    assert refused.status == 422
    assert create(org)["reference"] == "INC-2"


def test_a_dedupe_hit_spends_no_number(org):
    first = create(org, source="am", external_id="disk-full")
    again = create(org, source="am", external_id="disk-full")
    assert again["reference"] == first["reference"] == "INC-1"
    assert create(org)["reference"] == "INC-2"


def test_a_deleted_incidents_number_is_not_given_again(org):
    create(org)
    invoke("delete_incident", org.api_key, path_params={"incident_id": "INC-1"})
    assert create(org)["reference"] == "INC-2"  # a gap: documented


def test_a_process_with_a_stale_guess_still_numbers_uniquely(org):
    create(org)
    create(org)
    incidents_store._last_incident_number.clear()  # a fresh Lambda instance knows no number yet
    assert create(org)["reference"] == "INC-3"


def test_concurrent_creates_get_unique_gapless_references(org, monkeypatch):
    caller = caller_of(org)
    guesses = incidents_store._last_incident_number

    def file(index):
        guesses.pop(org.organisation_id, None)  # every writer as stale as a fresh Lambda instance
        incident, created = filing.create_incident(caller, CreateIncidentRequest(title=f"Incident {index}"))
        assert created
        return incident.reference

    references = race(file, count=20)

    assert sorted(references, key=lambda ref: int(ref.removeprefix("INC-"))) == [f"INC-{n}" for n in range(1, 21)]
