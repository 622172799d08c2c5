"""Incidents through the handlers: create, get, list (filters and paging), dedupe, Idempotency-Key, PATCH."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from flare import clock
from tests.support import incident_items, incident_of, new_incident, new_service, tick_clock
from tests.support.invoking import invoke

ID = re.compile(r"^inc_[0-9A-HJKMNP-TV-Z]{26}$")
T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def listed(org, **query) -> list[str]:
    reply = invoke("list_incidents", org.api_key, query=query)
    assert reply.status == 200, reply.body
    return [incident["id"] for incident in reply.body["incidents"]]


def patch(org, incident_id: str, body: dict, **headers: str):
    return invoke(
        "update_incident", org.api_key, path_params={"incident_id": incident_id}, body=body, headers=headers or None
    )


# ---- create and get ---------------------------------------------------------------------------------------


def test_create_answers_201_with_the_whole_incident_its_location_and_etag(org):
    payments = new_service(org, "Payments")
    reply = invoke(
        "create_incident",
        org.api_key,
        body={
            "title": "Checkout API returning 502s",
            "description": "Error rate above 5%",
            "severity": "Sev 2",
            "affected_services": [payments],
            "initial_message": {"type": "identified", "description": "A bad deploy."},
            "source": "alertmanager",
            "external_id": "checkout-5xx",
            "tags": ["checkout", "web"],
            "metadata": {"runbook": "https://runbooks.example/checkout", "nested": {"n": [1, 2.5, None]}},
        },
    )

    assert reply.status == 201, reply.body
    incident = reply.body
    assert ID.match(incident["id"])
    assert reply.headers["Location"] == f"/api/v1/incidents/{incident['id']}"
    assert reply.headers["ETag"] == '"1"'
    assert incident["title"] == "Checkout API returning 502s"
    assert incident["description"] == "Error rate above 5%"
    assert incident["severity"] == "major"
    assert incident["status"] == "identified"  # from the initial message
    assert incident["lifecycle"] == "draft"
    assert incident["reopen_count"] == 0
    assert incident["version"] == 1
    assert (incident["source"], incident["external_id"]) == ("alertmanager", "checkout-5xx")
    assert incident["tags"] == ["checkout", "web"]
    assert incident["metadata"] == {"runbook": "https://runbooks.example/checkout", "nested": {"n": [1, 2.5, None]}}
    for field in ("created_at", "updated_at", "started_at"):
        assert incident[field].endswith("Z"), field
    assert incident["published_at"] is None
    assert incident["resolved_at"] is None
    assert incident["affected_services"] == [{"id": payments, "name": "Payments", "status": "operational"}]
    [message] = incident["messages"]
    assert message["type"] == "identified"
    assert message["description"] == "A bad deploy."
    assert message["incident_id"] == incident["id"]
    assert message["id"].startswith("msg_")
    assert message["created_at"].endswith("Z")

    assert incident_of(org, incident["id"]) == incident


def test_publish_true_files_an_active_incident_investigating_by_default(org):
    incident = new_incident(org, publish=True)

    assert incident["lifecycle"] == "active"
    assert incident["status"] == "investigating"
    assert incident["severity"] == "minor"
    assert incident["published_at"].endswith("Z")
    assert incident["messages"] == []


def test_severity_aliases_are_stored_as_the_canonical_name(org):
    aliases = {
        "Sev 2": "major",
        "DOWN": "critical",
        "P1": "critical",
        "sev-3": "minor",
        "SEV4": "low",
        4: "low",
        "DEGRADED": "minor",
        "Critical": "critical",
        "maintenance": "maintenance",
    }
    for alias, severity in aliases.items():
        assert new_incident(org, severity=alias)["severity"] == severity, alias


def test_status_comes_from_the_initial_message_unless_it_is_an_update(org):
    assert new_incident(org, initial_message={"type": "monitoring", "description": "x"})["status"] == "monitoring"
    assert new_incident(org, initial_message={"type": "update", "description": "x"})["status"] == "investigating"
    assert new_incident(org, status="open")["status"] == "investigating"

    contradiction = invoke(
        "create_incident",
        org.api_key,
        body={"title": "x", "status": "monitoring", "initial_message": {"type": "identified", "description": "x"}},
    )
    assert contradiction.status == 422
    assert contradiction.problem_fields == ["initial_message"]


def test_get_shows_messages_newest_first(org):
    tick_clock()
    incident = new_incident(org, initial_message={"type": "investigating", "description": "first"})
    for text in ("second", "third"):
        posted = invoke(
            "create_incident_message",
            org.api_key,
            path_params={"incident_id": incident["id"]},
            body={"type": "update", "description": text},
        )
        assert posted.status == 201, posted.body

    reply = invoke("get_incident", org.api_key, path_params={"incident_id": incident["id"]})

    assert [message["description"] for message in reply.body["messages"]] == ["third", "second", "first"]
    assert reply.headers["ETag"] == f'"{reply.body["version"]}"' == '"3"'


# ---- list: order and filters ------------------------------------------------------------------------------


def test_list_is_newest_first(org):
    tick_clock()
    ids = [new_incident(org, title=f"incident {n}")["id"] for n in range(4)]

    reply = invoke("list_incidents", org.api_key, query={})

    assert [incident["id"] for incident in reply.body["incidents"]] == ids[::-1]
    assert reply.body["next_cursor"] is None
    assert reply.body["incidents"][0]["title"] == "incident 3"
    assert all("messages" not in incident for incident in reply.body["incidents"])  # timelines: GET by id


@pytest.fixture
def varied(org):
    """Four incidents an hour apart, each with different filterable fields."""
    payments = new_service(org, "Payments")

    def at(hours: int, **fields) -> str:
        clock.set_clock(lambda: T0 + timedelta(hours=hours))
        return new_incident(org, **fields)["id"]

    a = at(0, severity="critical", publish=True, affected_services=[payments], tags=["db"])
    b = at(1, severity="minor", status="identified", tags=["web"])
    c = at(2, severity="major", publish=True)
    resolved = invoke("resolve_incident", org.api_key, path_params={"incident_id": c}, body=None)
    assert resolved.status == 200, resolved.body
    d = at(3, severity="low", publish=True, status="monitoring", tags=["db", "web"])
    clock.set_clock(None)
    return {"a": a, "b": b, "c": c, "d": d, "payments": payments}


def test_list_filters_by_status_repeatable_and_aliased(org, varied):
    assert listed(org, status=["identified", "monitoring"]) == [varied["d"], varied["b"]]
    assert listed(org, status="resolved") == [varied["c"]]
    assert listed(org, status="open") == [varied["a"]]


def test_list_filters_by_severity_with_aliases(org, varied):
    assert listed(org, severity="critical") == [varied["a"]]
    assert listed(org, severity="Sev 1") == [varied["a"]]
    assert listed(org, severity="DOWN") == [varied["a"]]
    assert listed(org, severity="P2") == [varied["c"]]
    assert listed(org, severity="maintenance") == []


def test_list_filters_by_lifecycle(org, varied):
    assert listed(org, lifecycle="draft") == [varied["b"]]
    assert listed(org, lifecycle="active") == [varied["d"], varied["a"]]
    assert listed(org, lifecycle="resolved") == [varied["c"]]


def test_list_filters_by_service_and_tag(org, varied):
    assert listed(org, service=varied["payments"]) == [varied["a"]]
    assert listed(org, tag="db") == [varied["d"], varied["a"]]
    assert listed(org, tag="web") == [varied["d"], varied["b"]]
    assert listed(org, tag="nope") == []
    assert listed(org, tag="db", lifecycle="active", severity="low") == [varied["d"]]


def test_list_filters_by_source_and_external_id(org):
    deploy = new_incident(org, title="Deploy failed", source="github-actions", external_id="deploy-main")["id"]
    other = new_incident(org, title="Deploy failed", source="github-actions", external_id="deploy-staging")["id"]
    new_incident(org, title="Disk", source="alertmanager", external_id="deploy-main")

    assert listed(org, source="github-actions") == [other, deploy]
    assert listed(org, source="github-actions", external_id="deploy-main") == [deploy]
    assert listed(org, external_id="nope") == []


def test_list_filters_by_creation_time(org, varied):
    def stamp(hours: float) -> str:
        return (T0 + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")

    assert listed(org, created_after=stamp(0.5)) == [varied["d"], varied["c"], varied["b"]]
    assert listed(org, created_before=stamp(1.5)) == [varied["b"], varied["a"]]
    assert listed(org, created_after=stamp(0.5), created_before=stamp(2.5)) == [varied["c"], varied["b"]]
    # An offset is the same instant: 04:30+02:00 is 02:30Z.
    assert listed(org, created_after="2026-06-01T04:30:00+02:00") == [varied["d"], varied["c"], varied["b"]]
    assert listed(org, created_after=stamp(5)) == []


def test_list_rejects_unknown_filter_values(org):
    for query, field in (
        ({"lifecycle": "paused"}, "lifecycle"),
        ({"status": "broken"}, "status"),
        ({"severity": "Sev 9"}, "severity"),
        ({"created_after": "2026-06-01T02:00:00"}, "created_after"),  # naive
    ):
        reply = invoke("list_incidents", org.api_key, query=query)
        assert reply.status == 422, query
        assert any(name.startswith(field) for name in reply.problem_fields), reply.body


# ---- list: paging -----------------------------------------------------------------------------------------


def pages(org, function: str = "list_incidents", plural: str = "incidents", path_params=None, **query) -> list:
    """Every page's ids, following next_cursor."""
    result, cursor = [], None
    while True:
        reply = invoke(
            function, org.api_key, path_params=path_params, query=query | ({"cursor": cursor} if cursor else {})
        )
        assert reply.status == 200, reply.body
        result.append([item["id"] for item in reply.body[plural]])
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return result
        assert len(result) < 20, "paging does not end"


def test_paging_walks_every_incident_once_in_order(org):
    tick_clock()
    ids = [new_incident(org, title=f"incident {n}", tags=["even" if n % 2 == 0 else "odd"])["id"] for n in range(7)]
    newest_first = ids[::-1]

    walked = pages(org, limit="3")
    assert [len(page) for page in walked] == [3, 3, 1]
    assert sum(walked, []) == newest_first

    # A page that ends exactly at the last item has no cursor (no empty page after it).
    assert pages(org, limit="7") == [newest_first]

    # Paging through a filtered list (DynamoDB filters after reading) also has no gaps or repeats.
    filtered = pages(org, limit="2", tag="even")
    assert sum(filtered, []) == [incident for n, incident in enumerate(ids) if n % 2 == 0][::-1]
    assert [len(page) for page in filtered] == [2, 2]


def first_cursor(org, **query) -> str:
    reply = invoke("list_incidents", org.api_key, query={"limit": "1"} | query)
    assert reply.status == 200 and reply.body["next_cursor"], reply.body
    return reply.body["next_cursor"]


def assert_bad_request(reply) -> None:
    assert reply.status == 400, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert reply.body["status"] == 400
    assert "cursor" in reply.body["detail"]


def test_a_tampered_cursor_is_a_400_problem(org):
    new_incident(org)
    new_incident(org)
    cursor = first_cursor(org)
    payload, _, signature = cursor.partition(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]

    for tampered in (f"{flipped}.{signature}", f"{payload}.{signature[::-1]}", "garbage", f"{payload}.é", "é"):
        assert_bad_request(invoke("list_incidents", org.api_key, query={"limit": "1", "cursor": tampered}))


def test_a_cursor_reused_with_other_filters_or_on_another_list_is_a_400(org):
    for _ in range(3):
        new_incident(org, tags=["db"], severity="critical")
    cursor = first_cursor(org, tag="db")

    assert invoke("list_incidents", org.api_key, query={"limit": "1", "tag": "db", "cursor": cursor}).status == 200
    assert_bad_request(invoke("list_incidents", org.api_key, query={"limit": "1", "cursor": cursor}))
    assert_bad_request(
        invoke("list_incidents", org.api_key, query={"limit": "1", "tag": "db", "severity": "1", "cursor": cursor})
    )
    assert_bad_request(invoke("list_services", org.api_key, query={"cursor": cursor}))


def test_limit_outside_1_to_100_is_a_422_naming_limit(org):
    for limit in ("0", "101", "-1", "ten"):
        for function in ("list_incidents", "list_services", "list_api_keys"):
            reply = invoke(function, org.api_key, query={"limit": limit})
            assert reply.status == 422, (function, limit, reply.body)
            assert reply.problem_fields == ["limit"]


def test_limit_100_is_accepted(org):
    assert invoke("list_incidents", org.api_key, query={"limit": "100"}).status == 200


# ---- dedupe on (source, external_id) ----------------------------------------------------------------------


def alert(org, **fields):
    return invoke(
        "create_incident",
        org.api_key,
        body={"title": "High error rate", "source": "alertmanager", "external_id": "checkout-5xx", **fields},
    )


def test_the_same_source_and_external_id_while_unresolved_returns_the_same_incident(org, table):
    first = alert(org)
    again = alert(org, title="High error rate (repeat)", severity="critical")

    assert (first.status, again.status) == (201, 200)
    assert again.body["id"] == first.body["id"]
    assert again.body["title"] == "High error rate"  # the existing incident, unchanged
    assert again.headers["Location"] == first.headers["Location"]
    assert listed(org) == [first.body["id"]]
    assert len(incident_items(table)) == 1


def test_another_source_or_external_id_is_another_incident(org):
    first = alert(org)
    other_source = alert(org, source="grafana")
    other_external_id = alert(org, external_id="checkout-latency")

    assert (other_source.status, other_external_id.status) == (201, 201)
    assert len({first.body["id"], other_source.body["id"], other_external_id.body["id"]}) == 3


def test_after_resolving_the_same_pair_opens_a_new_incident(org):
    first = alert(org, publish=True).body["id"]
    resolved = invoke("resolve_incident", org.api_key, path_params={"incident_id": first}, body=None)
    assert resolved.status == 200, resolved.body

    second = alert(org)
    assert second.status == 201
    assert second.body["id"] != first
    assert alert(org).body["id"] == second.body["id"]

    # Reopening the first one does not take the claim from the newer incident.
    reopened = invoke(
        "create_incident_message",
        org.api_key,
        path_params={"incident_id": first},
        body={"type": "investigating", "description": "It is back."},
    )
    assert reopened.status == 201
    assert incident_of(org, first)["lifecycle"] == "active"
    third = alert(org)
    assert (third.status, third.body["id"]) == (200, second.body["id"])


# ---- Idempotency-Key --------------------------------------------------------------------------------------


def keyed(org, key: str, **fields):
    return invoke(
        "create_incident", org.api_key, body={"title": "Checkout is down", **fields}, headers={"Idempotency-Key": key}
    )


def test_the_same_idempotency_key_and_body_replays_the_first_response(org, table):
    first = keyed(org, "retry-1")
    again = keyed(org, "retry-1")

    assert first.status == again.status == 201
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.body == first.body
    assert again.headers["Location"] == first.headers["Location"]
    assert listed(org) == [first.body["id"]]
    assert len(incident_items(table)) == 1


def test_the_same_idempotency_key_with_another_body_is_a_422(org, table):
    first = keyed(org, "retry-2")
    other = keyed(org, "retry-2", severity="critical")

    assert other.status == 422
    assert other.problem_fields == ["Idempotency-Key"]
    assert listed(org) == [first.body["id"]]


def test_idempotency_keys_are_per_organisation(org, other_org):
    ours = keyed(org, "shared-key")
    theirs = keyed(other_org, "shared-key")

    assert ours.status == theirs.status == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.body["id"] != ours.body["id"]
    assert listed(org) == [ours.body["id"]]
    assert listed(other_org) == [theirs.body["id"]]


def test_an_unusable_idempotency_key_is_a_422(org, table):
    before = table.items()
    for key in ("x" * 256, "tab\tinside"):
        reply = keyed(org, key)
        assert reply.status == 422
        assert reply.problem_fields == ["Idempotency-Key"]
    assert table.items() == before


# ---- PATCH --------------------------------------------------------------------------------------------------


def test_patch_edits_fields_bumps_the_version_and_changes_the_etag(org):
    payments = new_service(org, "Payments")
    tick_clock()
    incident = new_incident(org)

    reply = patch(
        org,
        incident["id"],
        {
            "title": "Checkout is slow",
            "description": "p99 above 2 s",
            "severity": "Sev 1",
            "tags": ["perf"],
            "metadata": {"ticket": "OPS-1"},
            "affected_services": [payments],
        },
    )

    assert reply.status == 200, reply.body
    assert reply.body["version"] == 2
    assert reply.headers["ETag"] == '"2"'
    assert reply.body["title"] == "Checkout is slow"
    assert reply.body["description"] == "p99 above 2 s"
    assert reply.body["severity"] == "critical"
    assert reply.body["tags"] == ["perf"]
    assert reply.body["metadata"] == {"ticket": "OPS-1"}
    assert reply.body["affected_services"] == [{"id": payments, "name": "Payments", "status": "operational"}]
    assert reply.body["updated_at"] > incident["updated_at"]
    assert reply.body["created_at"] == incident["created_at"]
    assert incident_of(org, incident["id"]) == reply.body


def test_patch_that_changes_nothing_keeps_the_version(org):
    incident = new_incident(org, tags=["a"])
    reply = patch(org, incident["id"], {"title": incident["title"], "tags": ["a"]})

    assert reply.status == 200
    assert reply.body["version"] == 1
    assert reply.headers["ETag"] == '"1"'


def test_patch_status_with_message_adds_a_timeline_message_of_that_type(org):
    incident = new_incident(org, publish=True)

    reply = patch(org, incident["id"], {"status": "identified", "message": "Found the bad deploy."})

    assert reply.status == 200, reply.body
    assert reply.body["status"] == "identified"
    [message] = reply.body["messages"]
    assert (message["type"], message["description"]) == ("identified", "Found the bad deploy.")
    assert incident_of(org, incident["id"])["messages"] == reply.body["messages"]

    noted = patch(org, incident["id"], {"message": "Still rolling back."})
    assert noted.body["status"] == "identified"
    assert noted.body["messages"][0]["type"] == "update"

    resolved = patch(org, incident["id"], {"status": "resolved", "message": "Fixed."})
    assert resolved.body["lifecycle"] == "resolved"
    assert resolved.body["resolved_at"].endswith("Z")


def test_patch_status_without_message_is_a_422_naming_message(org, table):
    incident = new_incident(org)
    before = table.items()

    reply = patch(org, incident["id"], {"status": "identified"})

    assert reply.status == 422
    assert reply.problem_fields == ["message"]
    assert table.items() == before


def test_patch_null_title_is_a_422_naming_title(org, table):
    incident = new_incident(org)
    before = table.items()

    reply = patch(org, incident["id"], {"title": None})

    assert reply.status == 422
    assert reply.problem_fields == ["title"]
    assert table.items() == before


def test_if_match_with_the_current_etag_writes_and_a_stale_one_is_a_412(org, table):
    incident = new_incident(org)
    etag = invoke("get_incident", org.api_key, path_params={"incident_id": incident["id"]}).headers["ETag"]

    first = patch(org, incident["id"], {"title": "Edited once"}, **{"If-Match": etag})
    assert first.status == 200, first.body
    assert first.headers["ETag"] != etag

    before = table.items()
    stale = patch(org, incident["id"], {"title": "Edited on a stale copy"}, **{"If-Match": etag})
    assert stale.status == 412
    assert stale.headers["Content-Type"] == "application/problem+json"
    assert table.items() == before
    assert incident_of(org, incident["id"])["title"] == "Edited once"

    weak = patch(org, incident["id"], {"title": "Edited twice"}, **{"If-Match": f"W/{first.headers['ETag']}"})
    assert weak.status == 200
    assert weak.body["version"] == 3
