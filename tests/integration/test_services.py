"""Services: CRUD, unique names, and the status computed from the incidents affecting them."""

import re

import pytest

from tests.support import scoped_key, tick_clock
from tests.support.invoking import invoke


def create_service(org, name: str = "Payments", **fields):
    return invoke("create_service", org.api_key, body={"name": name, **fields})


def new_service(org, name: str = "Payments") -> str:
    reply = create_service(org, name)
    assert reply.status == 201, reply.body
    return reply.body["id"]


def get_service(org, service_id: str):
    return invoke("get_service", org.api_key, path_params={"service_id": service_id})


def status_of(org, service_id: str) -> str:
    reply = get_service(org, service_id)
    assert reply.status == 200, reply.body
    return reply.body["status"]


def create_incident(org, **fields) -> dict:
    reply = invoke("create_incident", org.api_key, body={"title": "Checkout is down", **fields})
    assert reply.status == 201, reply.body
    return reply.body


# ---- CRUD -------------------------------------------------------------------------------------------------


def test_service_crud(org):
    tick_clock()
    created = create_service(org, "Checkout API", description="Public checkout endpoints")
    assert created.status == 201, created.body
    service = created.body
    assert re.match(r"^svc_[0-9A-HJKMNP-TV-Z]{26}$", service["id"])
    assert created.headers["Location"] == f"/api/v1/services/{service['id']}"
    assert created.headers["ETag"] == '"1"'
    assert service["name"] == "Checkout API"
    assert service["description"] == "Public checkout endpoints"
    assert service["status"] == "operational"
    assert service["active_incidents"] == []
    assert service["version"] == 1
    assert service["created_at"].endswith("Z") and service["updated_at"].endswith("Z")

    got = get_service(org, service["id"])
    assert (got.status, got.body) == (200, service)
    assert got.headers["ETag"] == '"1"'

    other = new_service(org, "Search")
    listed = invoke("list_services", org.api_key, query={})
    assert [item["id"] for item in listed.body["services"]] == [other, service["id"]]  # newest first
    assert listed.body["next_cursor"] is None

    renamed = invoke(
        "update_service", org.api_key, path_params={"service_id": service["id"]}, body={"name": "Checkout"}
    )
    assert renamed.status == 200, renamed.body
    assert renamed.body["name"] == "Checkout"
    assert renamed.body["description"] == "Public checkout endpoints"
    assert renamed.body["version"] == 2
    assert renamed.headers["ETag"] == '"2"'
    assert get_service(org, service["id"]).body["name"] == "Checkout"

    deleted = invoke("delete_service", org.api_key, path_params={"service_id": service["id"]})
    assert deleted.status == 204
    assert get_service(org, service["id"]).status == 404
    assert [item["id"] for item in invoke("list_services", org.api_key, query={}).body["services"]] == [other]
    assert invoke("delete_service", org.api_key, path_params={"service_id": service["id"]}).status == 404


def test_services_are_paged(org):
    tick_clock()
    ids = [new_service(org, f"service {n}") for n in range(5)]
    first = invoke("list_services", org.api_key, query={"limit": "3"})
    rest = invoke("list_services", org.api_key, query={"limit": "3", "cursor": first.body["next_cursor"]})

    seen = [item["id"] for item in first.body["services"] + rest.body["services"]]
    assert seen == ids[::-1]
    assert rest.body["next_cursor"] is None


def test_writing_services_needs_admin(org, table):
    writer = scoped_key(org, "write:incidents")
    service_id = new_service(org)
    before = table.items()

    assert invoke("create_service", writer, body={"name": "Search"}).status == 403
    update = invoke("update_service", writer, path_params={"service_id": service_id}, body={"name": "Other"})
    assert update.status == 403
    assert invoke("delete_service", writer, path_params={"service_id": service_id}).status == 403
    assert table.items() == before
    assert get_service(org, service_id).status == 200
    assert invoke("get_service", writer, path_params={"service_id": service_id}).status == 200


def test_service_names_are_unique_case_insensitively(org, table):
    payments = new_service(org, "Payments")
    search = new_service(org, "Search")
    before = table.items()

    duplicate = create_service(org, "  PAYMENTS ")
    assert duplicate.status == 409
    assert duplicate.headers["Content-Type"] == "application/problem+json"
    rename = invoke("update_service", org.api_key, path_params={"service_id": search}, body={"name": "payments"})
    assert rename.status == 409
    assert table.items() == before

    # Renaming frees the old name and takes the new one; changing only the case of one's own name is fine.
    moved = invoke("update_service", org.api_key, path_params={"service_id": payments}, body={"name": "Billing"})
    assert moved.status == 200
    assert create_service(org, "payments").status == 201
    assert create_service(org, "billing").status == 409
    recased = invoke("update_service", org.api_key, path_params={"service_id": payments}, body={"name": "BILLING"})
    assert (recased.status, recased.body["name"]) == (200, "BILLING")


def test_a_deleted_services_name_is_free_again(org):
    service_id = new_service(org, "Payments")
    assert invoke("delete_service", org.api_key, path_params={"service_id": service_id}).status == 204
    assert create_service(org, "Payments").status == 201


def test_an_idempotent_service_create_replays_instead_of_conflicting(org):
    first = invoke("create_service", org.api_key, body={"name": "Payments"}, headers={"Idempotency-Key": "svc-1"})
    again = invoke("create_service", org.api_key, body={"name": "Payments"}, headers={"Idempotency-Key": "svc-1"})

    assert (first.status, again.status) == (201, 201)
    assert again.body == first.body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(invoke("list_services", org.api_key, query={}).body["services"]) == 1


def test_if_match_on_a_service(org, table):
    service_id = new_service(org)
    stale = invoke(
        "update_service",
        org.api_key,
        path_params={"service_id": service_id},
        body={"description": "x"},
        headers={"If-Match": '"7"'},
    )
    assert stale.status == 412
    current = invoke(
        "update_service",
        org.api_key,
        path_params={"service_id": service_id},
        body={"description": "x"},
        headers={"If-Match": '"1"'},
    )
    assert (current.status, current.body["description"]) == (200, "x")


# ---- computed status --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "status"),
    [
        ("critical", "major_outage"),
        ("major", "partial_outage"),
        ("minor", "degraded_performance"),
        ("low", "degraded_performance"),
        ("maintenance", "under_maintenance"),
    ],
)
def test_an_active_incident_sets_its_services_status_by_severity(org, severity, status):
    service_id = new_service(org)
    untouched = new_service(org, "Search")

    incident = create_incident(org, publish=True, severity=severity, affected_services=[service_id])

    service = get_service(org, service_id).body
    assert service["status"] == status
    assert service["active_incidents"] == [incident["id"]]
    assert incident["affected_services"] == [{"id": service_id, "name": "Payments", "status": status}]
    assert status_of(org, untouched) == "operational"
    listed = {item["id"]: item["status"] for item in invoke("list_services", org.api_key, query={}).body["services"]}
    assert listed == {service_id: status, untouched: "operational"}


def test_drafts_and_resolved_incidents_do_not_count(org):
    service_id = new_service(org)
    create_incident(org, severity="critical", affected_services=[service_id])
    resolved = create_incident(org, publish=True, severity="critical", affected_services=[service_id])
    assert status_of(org, service_id) == "major_outage"

    invoke("resolve_incident", org.api_key, path_params={"incident_id": resolved["id"]}, body=None)

    assert status_of(org, service_id) == "operational"
    assert get_service(org, service_id).body["active_incidents"] == []
    filed_resolved = create_incident(org, publish=True, status="resolved", affected_services=[service_id])
    assert filed_resolved["lifecycle"] == "resolved"
    assert status_of(org, service_id) == "operational"


def test_the_worst_active_incident_wins_and_edits_follow(org):
    service_id = new_service(org)
    minor = create_incident(org, publish=True, severity="minor", affected_services=[service_id])
    critical = create_incident(org, publish=True, severity="critical", affected_services=[service_id])
    assert status_of(org, service_id) == "major_outage"

    # Both incidents show the service's rolled-up status.
    got = invoke("get_incident", org.api_key, path_params={"incident_id": minor["id"]}).body
    assert got["affected_services"][0]["status"] == "major_outage"

    invoke("update_incident", org.api_key, path_params={"incident_id": critical["id"]}, body={"severity": "major"})
    assert status_of(org, service_id) == "partial_outage"

    invoke("update_incident", org.api_key, path_params={"incident_id": critical["id"]}, body={"affected_services": []})
    assert status_of(org, service_id) == "degraded_performance"

    invoke("resolve_incident", org.api_key, path_params={"incident_id": minor["id"]}, body=None)
    assert status_of(org, service_id) == "operational"


def test_a_service_affected_by_an_active_incident_cannot_be_deleted(org):
    service_id = new_service(org)
    incident = create_incident(org, publish=True, affected_services=[service_id])

    refused = invoke("delete_service", org.api_key, path_params={"service_id": service_id})
    assert refused.status == 409
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert incident["id"] in refused.body["detail"]
    assert get_service(org, service_id).status == 200

    invoke("resolve_incident", org.api_key, path_params={"incident_id": incident["id"]}, body=None)
    assert invoke("delete_service", org.api_key, path_params={"service_id": service_id}).status == 204
    shown = invoke("get_incident", org.api_key, path_params={"incident_id": incident["id"]}).body
    assert shown["affected_services"] == [{"id": service_id, "name": None, "status": "unknown"}]


@pytest.mark.parametrize("publish", [False, True])
def test_an_unknown_service_in_affected_services_is_a_422_and_writes_nothing(org, table, publish):
    real = new_service(org)
    missing = "svc_01KAQ60000000000000000000B"
    before = table.items()

    reply = invoke(
        "create_incident",
        org.api_key,
        body={"title": "x", "publish": publish, "affected_services": [real, missing]},
    )

    assert reply.status == 422
    assert reply.problem_fields == ["affected_services"]
    assert missing in reply.body["errors"][0]["message"]
    assert table.items() == before


def test_patching_in_an_unknown_service_is_a_422_and_changes_nothing(org, table):
    incident = create_incident(org, publish=True)
    before = table.items()

    reply = invoke(
        "update_incident",
        org.api_key,
        path_params={"incident_id": incident["id"]},
        body={"affected_services": ["svc_01KAQ60000000000000000000B"], "title": "renamed"},
    )

    assert reply.status == 422
    assert reply.problem_fields == ["affected_services"]
    assert table.items() == before


def test_publishing_a_draft_whose_service_was_deleted_is_a_409_that_says_how_to_fix_it(org):
    gone = invoke("create_service", org.api_key, body={"name": "Legacy"}).body["id"]
    draft = invoke("create_incident", org.api_key, body={"title": "Old box", "affected_services": [gone]}).body
    assert invoke("delete_service", org.api_key, path_params={"service_id": gone}).status == 204

    refused = invoke("publish_incident", org.api_key, path_params={"incident_id": draft["id"]})

    assert refused.status == 409
    assert gone in refused.body["detail"] and "affected_services" in refused.body["detail"]
    fixed = invoke(
        "update_incident", org.api_key, path_params={"incident_id": draft["id"]}, body={"affected_services": []}
    )
    assert fixed.status == 200
    assert invoke("publish_incident", org.api_key, path_params={"incident_id": draft["id"]}).body["lifecycle"] == (
        "active"
    )
