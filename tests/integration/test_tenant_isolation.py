"""One organisation never sees, changes or learns about another's incidents, services or keys."""

import json

import pytest

from tests.support.invoking import invoke

SECRET_TITLE = "Acme internal: payroll database corrupted"


@pytest.fixture
def acme(org):
    """Acme's incident (published, affecting its service, with a message), service and second API key."""
    service = invoke("create_service", org.api_key, body={"name": "Payroll"}).body
    incident = invoke(
        "create_incident",
        org.api_key,
        body={
            "title": SECRET_TITLE,
            "publish": True,
            "severity": "critical",
            "affected_services": [service["id"]],
            "source": "alertmanager",
            "external_id": "payroll-db",
            "initial_message": {"type": "investigating", "description": "Looking."},
        },
    ).body
    key = invoke("create_api_key", org.api_key, body={"name": "acme bot", "scopes": ["write:incidents"]}).body
    return {"incident": incident, "service": service, "key": key}


def test_another_organisations_incident_is_not_found_anywhere(org, other_org, acme, table):
    on_incident = {"incident_id": acme["incident"]["id"]}
    before = table.items()

    replies = {
        "get": invoke("get_incident", other_org.api_key, path_params=on_incident),
        "patch": invoke("update_incident", other_org.api_key, path_params=on_incident, body={"title": "pwned"}),
        "patch status": invoke(
            "update_incident", other_org.api_key, path_params=on_incident, body={"status": "resolved", "message": "x"}
        ),
        "delete": invoke("delete_incident", other_org.api_key, path_params=on_incident),
        "post message": invoke(
            "create_incident_message",
            other_org.api_key,
            path_params=on_incident,
            body={"type": "update", "description": "x"},
        ),
        "post resolved message": invoke(
            "create_incident_message",
            other_org.api_key,
            path_params=on_incident,
            body={"type": "resolved", "description": "x"},
        ),
        "list messages": invoke("list_incident_messages", other_org.api_key, path_params=on_incident, query={}),
        "publish": invoke("publish_incident", other_org.api_key, path_params=on_incident),
        "resolve": invoke("resolve_incident", other_org.api_key, path_params=on_incident, body=None),
    }

    for action, reply in replies.items():
        assert reply.status == 404, (action, reply.body)
        assert reply.headers["Content-Type"] == "application/problem+json", action
        assert SECRET_TITLE not in json.dumps(reply.body), action
    assert table.items() == before
    mine = invoke("get_incident", org.api_key, path_params=on_incident).body
    assert mine == acme["incident"]


def test_another_organisations_service_is_not_found(org, other_org, acme, table):
    on_service = {"service_id": acme["service"]["id"]}
    before = table.items()

    replies = {
        "get": invoke("get_service", other_org.api_key, path_params=on_service),
        "patch": invoke("update_service", other_org.api_key, path_params=on_service, body={"name": "pwned"}),
        "delete": invoke("delete_service", other_org.api_key, path_params=on_service),
    }

    for action, reply in replies.items():
        assert reply.status == 404, (action, reply.body)
        assert "Payroll" not in json.dumps(reply.body), action
    assert table.items() == before


def test_another_organisations_key_cannot_be_revoked(org, other_org, acme):
    reply = invoke("revoke_api_key", other_org.api_key, path_params={"key_id": acme["key"]["id"]})

    assert reply.status == 404
    assert invoke("list_incidents", acme["key"]["key"], query={}).status == 200


def test_lists_show_only_the_callers_organisation(org, other_org, acme):
    theirs = invoke("create_incident", other_org.api_key, body={"title": "Globex outage"}).body
    their_service = invoke("create_service", other_org.api_key, body={"name": "Payroll"})
    assert their_service.status == 201  # names are unique per organisation only

    incidents = invoke("list_incidents", other_org.api_key, query={}).body["incidents"]
    assert [incident["id"] for incident in incidents] == [theirs["id"]]
    services = invoke("list_services", other_org.api_key, query={}).body["services"]
    assert [service["id"] for service in services] == [their_service.body["id"]]
    keys = invoke("list_api_keys", other_org.api_key, query={}).body["api_keys"]
    assert acme["key"]["id"] not in [key["id"] for key in keys]
    assert len(keys) == 1
    filtered = invoke(
        "list_incidents", other_org.api_key, query={"service": acme["service"]["id"], "severity": "critical"}
    )
    assert filtered.body["incidents"] == []
    assert SECRET_TITLE not in json.dumps([incidents, services, keys, filtered.body])

    acme_ids = [incident["id"] for incident in invoke("list_incidents", org.api_key, query={}).body["incidents"]]
    assert acme_ids == [acme["incident"]["id"]]


def test_a_cursor_from_another_organisation_is_refused(org, other_org, acme):
    invoke("create_incident", org.api_key, body={"title": "second"})
    cursor = invoke("list_incidents", org.api_key, query={"limit": "1"}).body["next_cursor"]
    assert cursor

    assert invoke("list_incidents", other_org.api_key, query={"limit": "1", "cursor": cursor}).status == 400


def test_another_organisations_service_cannot_be_affected(org, other_org, acme, table):
    before = table.items()

    created = invoke(
        "create_incident",
        other_org.api_key,
        body={"title": "x", "publish": True, "affected_services": [acme["service"]["id"]]},
    )
    assert created.status == 422
    assert created.problem_fields == ["affected_services"]

    theirs = invoke("create_incident", other_org.api_key, body={"title": "y", "publish": True}).body
    after_create = table.items()
    patched = invoke(
        "update_incident",
        other_org.api_key,
        path_params={"incident_id": theirs["id"]},
        body={"affected_services": [acme["service"]["id"]]},
    )
    assert patched.status == 422
    assert patched.problem_fields == ["affected_services"]
    assert table.items() == after_create
    written = [item for item in after_create if item not in before]  # their own incident alone
    assert sorted(item["SK"]["S"] for item in written) == ["INCIDENT", "INCIDENT_NUMBER", "REF"]
    assert {item["PK"]["S"].split("#")[1] for item in written} == {other_org.organisation_id}
    service = invoke("get_service", org.api_key, path_params={"service_id": acme["service"]["id"]}).body
    assert (service["status"], service["active_incidents"]) == ("major_outage", [acme["incident"]["id"]])


def test_dedupe_is_per_organisation(org, other_org, acme):
    reply = invoke(
        "create_incident",
        other_org.api_key,
        body={"title": "Their alert", "source": "alertmanager", "external_id": "payroll-db"},
    )

    assert reply.status == 201
    assert reply.body["id"] != acme["incident"]["id"]
    assert reply.body["title"] == "Their alert"
