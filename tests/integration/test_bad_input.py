"""Bad requests: each is a 4xx problem (RFC 9457) that writes nothing; odd but valid input round-trips."""

import json

import pytest

from tests.support import new_incident
from tests.support.invoking import invoke

MISSING_INCIDENT = "inc_01KAQ60000000000000000000A"


def assert_problem(reply, status: int) -> None:
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    body = reply.body
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"]
    assert body["request_id"]


@pytest.fixture
def incident(org) -> dict:
    return new_incident(org)


# ---- before routing: JSON, media type, size ---------------------------------------------------------------


MALFORMED_JSON = [
    '{"title": ',
    "{'title': 'x'}",
    '{"title": "x",}',
    '{"title": NaN}',
    '{"title": "x"} extra',
    "[" * 100_000,
]


def test_malformed_json_is_a_400(org, table, incident):
    before = table.items()
    for raw in MALFORMED_JSON:
        assert_problem(invoke("create_incident", org.api_key, raw_body=raw), 400)
        on_incident = {"incident_id": incident["id"]}
        assert_problem(invoke("update_incident", org.api_key, path_params=on_incident, raw_body=raw), 400)
    assert table.items() == before


def test_a_body_that_is_not_json_is_a_415(org, table):
    before = table.items()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "text/json"):
        for raw in ("title=x", '{"title": "x"}'):
            reply = invoke("create_incident", org.api_key, raw_body=raw, headers={"Content-Type": content_type})
            assert_problem(reply, 415)
    assert table.items() == before


def test_json_media_types_in_any_case_are_accepted(org, incident):
    for content_type in ("application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"):
        sent = {"Content-Type": content_type}
        created = invoke("create_incident", org.api_key, raw_body='{"title": "x"}', headers=sent)
        assert created.status == 201, (content_type, created.body)
        on_incident = {"incident_id": incident["id"]}
        patched = invoke(
            "update_incident", org.api_key, path_params=on_incident, raw_body='{"title": "y"}', headers=sent
        )
        assert (patched.status, patched.body["title"]) == (200, "y"), content_type


def test_a_body_over_256_kib_is_a_413(org, table):
    before = table.items()
    ascii_body = json.dumps({"title": "x", "description": "a" * (256 * 1024)})
    assert_problem(invoke("create_incident", org.api_key, raw_body=ascii_body), 413)
    # The limit is in bytes: 100k three-byte characters are 300 KB.
    wide_body = json.dumps({"title": "x", "description": "€" * 100_000}, ensure_ascii=False)
    assert_problem(invoke("create_incident", org.api_key, raw_body=wide_body), 413)
    assert table.items() == before


# ---- validation -------------------------------------------------------------------------------------------


INVALID_INCIDENTS = [
    ({"title": "x", "sevrity": "critical"}, "sevrity"),
    ({"title": "x", "initial_message": {"type": "update", "description": "x", "by": "me"}}, "initial_message.by"),
    ({"title": 123}, "title"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 256}, "title"),
    ({}, "title"),
    ({"title": "x", "tags": "db"}, "tags"),
    ({"title": "x", "tags": ["t"] * 21}, "tags"),
    ({"title": "x", "publish": "maybe"}, "publish"),
    ({"title": "x", "metadata": ["not", "an", "object"]}, "metadata"),
    ({"title": "x", "affected_services": "svc_01KAQ60000000000000000000B"}, "affected_services"),
    ({"title": "x", "affected_services": ["payments"]}, "affected_services"),
    ({"title": "x", "status": "on fire"}, "status"),
    ({"title": "x", "initial_message": "hello"}, "initial_message"),
    ({"title": "x", "initial_message": {"type": "panic", "description": "x"}}, "initial_message"),
    ({"title": "x", "description": "d" * 10_001}, "description"),
    ({"title": "x", "severity": True}, "severity"),
]


def names(reply, field: str) -> bool:
    return any(name == field or name.startswith(f"{field}.") for name in reply.problem_fields)


def test_invalid_incident_fields_are_a_422_naming_them(org, table):
    before = table.items()
    for body, field in INVALID_INCIDENTS:
        reply = invoke("create_incident", org.api_key, body=body)
        assert_problem(reply, 422)
        assert reply.body["type"] == "/problems/validation-error"
        assert names(reply, field), (body, reply.body)
    assert table.items() == before


def test_a_bad_severity_lists_the_accepted_values(org):
    reply = invoke("create_incident", org.api_key, body={"title": "x", "severity": "apocalyptic"})
    assert_problem(reply, 422)
    [error] = reply.body["errors"]
    assert error["field"] == "severity"
    for name in ("critical", "major", "minor", "low", "maintenance"):
        assert name in error["message"]


def test_metadata_over_8_kib_or_9_levels_deep_is_a_422(org, table):
    before = table.items()
    big = invoke("create_incident", org.api_key, body={"title": "x", "metadata": {"blob": "m" * 8200}})
    assert_problem(big, 422)
    assert big.problem_fields == ["metadata"]
    deep: dict = {}
    for _ in range(9):
        deep = {"d": deep}
    assert invoke("create_incident", org.api_key, body={"title": "x", "metadata": deep}).problem_fields == ["metadata"]
    assert table.items() == before
    fits = invoke("create_incident", org.api_key, body={"title": "x", "metadata": {"blob": "m" * 8000}})
    assert fits.status == 201


INVALID_CHANGES = [
    ("update_incident", {"titel": "x"}, "titel"),
    ("update_incident", {"severity": None}, "severity"),
    ("update_incident", {"tags": None}, "tags"),
    ("update_incident", {"status": "resolved"}, "message"),
    ("create_incident_message", {"type": "resolved"}, "description"),
    ("create_incident_message", {"type": "fixed", "description": "x"}, "type"),
    ("create_incident_message", {"type": "update", "description": "x", "extra": 1}, "extra"),
    ("resolve_incident", {"description": "x", "status": "resolved"}, "status"),
    ("resolve_incident", {"description": ""}, "description"),
]


def test_invalid_changes_are_a_422_and_change_nothing(org, table, incident):
    before = table.items()
    for function, body, field in INVALID_CHANGES:
        reply = invoke(function, org.api_key, path_params={"incident_id": incident["id"]}, body=body)
        assert_problem(reply, 422)
        assert field in reply.problem_fields, (function, body, reply.body)
    assert table.items() == before


INVALID_SERVICES_AND_KEYS = [
    ("create_service", {"name": "x", "colour": "red"}, "colour"),
    ("create_service", {"name": ""}, "name"),
    ("create_service", {"name": "n" * 101}, "name"),
    ("create_api_key", {"name": "x", "scopes": ["root"]}, "scopes"),
    ("create_api_key", {"name": "x", "scopes": []}, "scopes"),
    ("create_api_key", {"name": "x"}, "scopes"),
]


def test_invalid_services_and_keys_are_a_422(org, table):
    before = table.items()
    for function, body, field in INVALID_SERVICES_AND_KEYS:
        reply = invoke(function, org.api_key, body=body)
        assert_problem(reply, 422)
        assert names(reply, field), (function, body, reply.body)
    assert table.items() == before


# ---- odd but valid ----------------------------------------------------------------------------------------


def test_unusual_titles_round_trip_exactly(org):
    titles = ["nul \x00 inside", "Ünïcödé ✓ 中文 עברית 🔥", "zero\u200bwidth", "combining e\u0301", "\U0001f6a8" * 255]
    created = {}
    for title in titles:
        reply = invoke("create_incident", org.api_key, body={"title": title, "tags": [title[:64]]})
        assert reply.status == 201, (title, reply.body)
        assert reply.body["title"] == title
        created[reply.body["id"]] = title
    for incident_id, title in created.items():
        got = invoke("get_incident", org.api_key, path_params={"incident_id": incident_id}).body
        assert (got["title"], got["tags"]) == (title, [title[:64]])
    listed = invoke("list_incidents", org.api_key, query={}).body["incidents"]
    assert {incident["id"]: incident["title"] for incident in listed} == created


def test_a_lone_surrogate_is_refused_not_a_crash(org, table):
    before = table.items()
    reply = invoke("create_incident", org.api_key, raw_body='{"title": "bad \\ud800 half"}')
    assert 400 <= reply.status < 500
    assert table.items() == before


def test_huge_numbers_in_metadata_round_trip_or_are_refused(org):
    numbers = ["1" + "0" * 400, "-" + "9" * 4000, "9" * 5000, "1e400", "-1e400", "1e-400", "1234567890123456789012.5"]
    for number in numbers:
        raw = '{"title": "x", "metadata": {"n": ' + number + "}}"
        reply = invoke("create_incident", org.api_key, raw_body=raw)

        assert reply.status < 500, number[:20]
        if reply.status == 201:
            sent = json.loads(raw)["metadata"]
            assert reply.body["metadata"] == sent, number[:20]
            got = invoke("get_incident", org.api_key, path_params={"incident_id": reply.body["id"]})
            assert got.body["metadata"] == sent, number[:20]
        else:
            assert_problem(reply, reply.status)


# ---- ids and request ids ----------------------------------------------------------------------------------


MALFORMED_INCIDENT_IDS = [
    "not-an-id",
    "inc_",
    "inc_123",
    "svc_01KAQ60000000000000000000B",
    "inc_01kaq60000000000000000000a",
    "inc_%00",
    "inc_01KAQ60000000000000000000A/../x",
]


@pytest.mark.parametrize("incident_id", MALFORMED_INCIDENT_IDS)
def test_malformed_incident_ids_are_a_404(org, incident_id):
    on_incident = {"incident_id": incident_id}
    replies = [
        invoke("get_incident", org.api_key, path_params=on_incident),
        invoke("update_incident", org.api_key, path_params=on_incident, body={"title": "x"}),
        invoke("delete_incident", org.api_key, path_params=on_incident),
        invoke("list_incident_messages", org.api_key, path_params=on_incident, query={}),
        invoke(
            "create_incident_message", org.api_key, path_params=on_incident, body={"type": "update", "description": "x"}
        ),
        invoke("publish_incident", org.api_key, path_params=on_incident),
        invoke("resolve_incident", org.api_key, path_params=on_incident, body=None),
    ]
    for reply in replies:
        assert_problem(reply, 404)


def test_malformed_service_and_key_ids_are_a_404(org):
    for bad_id in ("not-an-id", "inc_01KAQ60000000000000000000A", "svc_", "key_"):
        assert_problem(invoke("get_service", org.api_key, path_params={"service_id": bad_id}), 404)
        on_service = {"service_id": bad_id}
        assert_problem(invoke("update_service", org.api_key, path_params=on_service, body={"name": "x"}), 404)
        assert_problem(invoke("delete_service", org.api_key, path_params=on_service), 404)
        assert_problem(invoke("revoke_api_key", org.api_key, path_params={"key_id": bad_id}), 404)


def test_a_problem_carries_the_callers_request_id(org):
    checks = [
        invoke("create_incident", org.api_key, raw_body="{", headers={"X-Request-Id": "req-before-routing"}),
        invoke("create_incident", org.api_key, body={"title": ""}, headers={"X-Request-Id": "req-validation"}),
        invoke(
            "get_incident",
            org.api_key,
            path_params={"incident_id": MISSING_INCIDENT},
            headers={"X-Request-Id": "req-not-found"},
        ),
    ]
    for reply, request_id in zip(checks, ["req-before-routing", "req-validation", "req-not-found"], strict=True):
        assert reply.status >= 400
        assert reply.body["request_id"] == request_id
        assert reply.headers["X-Request-Id"] == request_id
