"""Timeline messages, resolving and reopening, the /resolve and /publish actions, and deleting an incident."""

import json
from datetime import UTC, datetime

from tests.support import new_incident, new_service, tick_clock
from tests.support.invoking import invoke

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def service_status(org, service_id: str) -> str:
    reply = invoke("get_service", org.api_key, path_params={"service_id": service_id})
    assert reply.status == 200, reply.body
    return reply.body["status"]


def get(org, incident_id: str):
    return invoke("get_incident", org.api_key, path_params={"incident_id": incident_id})


def post(org, incident_id: str, message_type: str, description: str = "A note."):
    return invoke(
        "create_incident_message",
        org.api_key,
        path_params={"incident_id": incident_id},
        body={"type": message_type, "description": description},
    )


def resolve(org, incident_id: str, body=None):
    return invoke("resolve_incident", org.api_key, path_params={"incident_id": incident_id}, body=body)


def publish(org, incident_id: str):
    return invoke("publish_incident", org.api_key, path_params={"incident_id": incident_id})


# ---- messages ---------------------------------------------------------------------------------------------


def test_posting_a_message_answers_201_and_moves_the_status(org):
    incident = new_incident(org, publish=True)

    reply = post(org, incident["id"], "monitoring", "Rollback complete.")

    assert reply.status == 201, reply.body
    message = reply.body
    assert message["id"].startswith("msg_")
    assert message["incident_id"] == incident["id"]
    assert (message["type"], message["description"]) == ("monitoring", "Rollback complete.")
    assert message["created_at"].endswith("Z")
    after = get(org, incident["id"]).body
    assert after["status"] == "monitoring"
    assert after["version"] == 2
    assert after["messages"] == [message]


def test_a_message_to_a_missing_incident_is_a_404_and_writes_nothing(org, table):
    incident = new_incident(org)
    invoke("delete_incident", org.api_key, path_params={"incident_id": incident["id"]})
    before = table.items()

    for message_type in ("update", "identified", "resolved"):
        reply = post(org, incident["id"], message_type)
        assert reply.status == 404, (message_type, reply.body)
    assert table.items() == before


def test_a_resolved_message_resolves_and_frees_the_affected_service(org):
    payments = new_service(org)
    incident = new_incident(org, publish=True, severity="critical", affected_services=[payments])
    assert service_status(org, payments) == "major_outage"

    reply = post(org, incident["id"], "resolved", "All clear.")

    assert reply.status == 201, reply.body
    after = get(org, incident["id"]).body
    assert after["status"] == "resolved"
    assert after["lifecycle"] == "resolved"
    assert after["resolved_at"].endswith("Z")
    assert after["affected_services"][0]["status"] == "operational"
    assert service_status(org, payments) == "operational"


def test_a_status_message_on_a_resolved_incident_reopens_it(org):
    payments = new_service(org)
    incident = new_incident(org, publish=True, severity="major", affected_services=[payments])
    assert post(org, incident["id"], "resolved").status == 201

    reply = post(org, incident["id"], "investigating", "It is back.")

    assert reply.status == 201, reply.body
    after = get(org, incident["id"]).body
    assert after["status"] == "investigating"
    assert after["lifecycle"] == "active"
    assert after["reopen_count"] == 1
    assert after["resolved_at"] is None
    assert service_status(org, payments) == "partial_outage"


def test_an_update_on_a_resolved_incident_does_not_reopen_it(org):
    tick_clock()
    incident = new_incident(org, publish=True)
    assert post(org, incident["id"], "resolved").status == 201
    resolved = get(org, incident["id"]).body

    reply = post(org, incident["id"], "update", "Postmortem scheduled.")

    assert reply.status == 201, reply.body
    after = get(org, incident["id"]).body
    assert after["status"] == "resolved"
    assert after["lifecycle"] == "resolved"
    assert after["reopen_count"] == 0
    assert after["resolved_at"] == resolved["resolved_at"]
    assert after["messages"][0]["description"] == "Postmortem scheduled."


def test_messages_are_listed_newest_first_in_pages(org):
    tick_clock()
    incident = new_incident(org)
    posted = [post(org, incident["id"], "update", f"note {n}").body["id"] for n in range(5)]

    seen, cursor, sizes = [], None, []
    while True:
        reply = invoke(
            "list_incident_messages",
            org.api_key,
            path_params={"incident_id": incident["id"]},
            query={"limit": "2"} | ({"cursor": cursor} if cursor else {}),
        )
        assert reply.status == 200, reply.body
        sizes.append(len(reply.body["messages"]))
        seen += [message["id"] for message in reply.body["messages"]]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break

    assert sizes == [2, 2, 1]
    assert seen == posted[::-1]


def test_a_messages_cursor_does_not_work_on_another_incident(org):
    first, second = new_incident(org), new_incident(org)
    for _ in range(2):
        post(org, first["id"], "update")
        post(org, second["id"], "update")
    cursor = invoke(
        "list_incident_messages", org.api_key, path_params={"incident_id": first["id"]}, query={"limit": "1"}
    ).body["next_cursor"]

    reply = invoke(
        "list_incident_messages",
        org.api_key,
        path_params={"incident_id": second["id"]},
        query={"limit": "1", "cursor": cursor},
    )
    assert reply.status == 400


# ---- /resolve ---------------------------------------------------------------------------------------------


def test_resolve_adds_its_description_as_a_resolved_message(org):
    incident = new_incident(org, publish=True)

    reply = resolve(org, incident["id"], {"description": "Error rates back to normal."})

    assert reply.status == 200, reply.body
    assert reply.body["lifecycle"] == "resolved"
    assert reply.body["resolved_at"].endswith("Z")
    assert reply.headers["ETag"] == f'"{reply.body["version"]}"'
    assert [(m["type"], m["description"]) for m in reply.body["messages"]] == [
        ("resolved", "Error rates back to normal.")
    ]
    assert get(org, incident["id"]).body == reply.body


def test_resolving_again_changes_nothing(org, table):
    incident = new_incident(org, publish=True)
    first = resolve(org, incident["id"])
    assert first.status == 200
    assert first.body["messages"][0]["description"]  # a default description
    before = table.items()

    again = resolve(org, incident["id"], {"description": "Resolved twice?"})

    assert again.status == 200
    assert again.body == first.body
    assert table.items() == before
    assert [m["type"] for m in get(org, incident["id"]).body["messages"]] == ["resolved"]


# ---- /publish ---------------------------------------------------------------------------------------------


def test_publish_makes_a_draft_active_and_its_services_count(org):
    payments = new_service(org)
    draft = new_incident(org, severity="critical", affected_services=[payments])
    assert service_status(org, payments) == "operational"

    reply = publish(org, draft["id"])

    assert reply.status == 200, reply.body
    assert reply.body["lifecycle"] == "active"
    assert reply.body["published_at"].endswith("Z")
    assert reply.body["version"] == 2
    assert service_status(org, payments) == "major_outage"

    again = publish(org, draft["id"])
    assert again.status == 200
    assert again.body["version"] == 2
    assert again.body["published_at"] == reply.body["published_at"]


def test_publishing_a_resolved_draft_is_a_409(org, table):
    draft = new_incident(org)
    assert resolve(org, draft["id"]).status == 200
    before = table.items()

    reply = publish(org, draft["id"])

    assert reply.status == 409
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert table.items() == before
    assert get(org, draft["id"]).body["published_at"] is None


# ---- delete -----------------------------------------------------------------------------------------------


def test_delete_removes_the_incident_its_messages_and_its_impact(org, table):
    payments = new_service(org)
    incident = new_incident(
        org,
        publish=True,
        severity="critical",
        affected_services=[payments],
        source="alertmanager",
        external_id="checkout-5xx",
        initial_message={"type": "investigating", "description": "Looking."},
    )
    post(org, incident["id"], "identified")
    keep = new_incident(org, title="Unrelated")
    assert service_status(org, payments) == "major_outage"

    reply = invoke("delete_incident", org.api_key, path_params={"incident_id": incident["id"]})

    assert reply.status == 204
    assert reply.body is None
    assert get(org, incident["id"]).status == 404
    listed = invoke("list_incidents", org.api_key, query={}).body["incidents"]
    assert [item["id"] for item in listed] == [keep["id"]]
    assert service_status(org, payments) == "operational"
    items = table.items()
    assert not [item for item in items if incident["id"] in item["PK"]["S"]]
    assert incident["id"] not in json.dumps(items)  # no dedupe claim, no service impact left behind

    # Its (source, external_id) is free again, and a second delete finds nothing.
    again = invoke(
        "create_incident",
        org.api_key,
        body={"title": "x", "source": "alertmanager", "external_id": "checkout-5xx"},
    )
    assert again.status == 201
    assert invoke("delete_incident", org.api_key, path_params={"incident_id": incident["id"]}).status == 404
    messages = invoke("list_incident_messages", org.api_key, path_params={"incident_id": incident["id"]})
    assert messages.status == 404
