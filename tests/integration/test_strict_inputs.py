"""The native API refuses what it would otherwise ignore or coerce: unknown query parameters, repeated single
values, JSON's booleans and integers spelled otherwise, bodies that are not UTF-8 or nest absurdly deep, and
If-Match values that are not entity tags. Each is a problem naming what is wrong, and writes nothing."""

import json

import pytest

from flare_local.template import load_template, resources_of_type
from tests.support.invoking import EVENTS, PUBLIC_FUNCTIONS, ROOT, invoke

TEMPLATE = load_template(ROOT / "template.yaml")
API_FUNCTIONS = sorted(
    resource["Properties"]["CodeUri"].strip("/").split("/")[-1]
    for resource in resources_of_type(TEMPLATE, "AWS::Serverless::Function").values()
    if any(event["Type"] == "Api" for event in (resource["Properties"].get("Events") or {}).values())
)
RECEIVERS = sorted(function for function in API_FUNCTIONS if function.startswith("receive_"))
# The public status pages' readers follow links that carry what mail and chat tools add (?utm_source=…).
STATUS_PAGE_ROUTES = sorted(f for f in API_FUNCTIONS if f.startswith(("get_public_", "get_statuspage_")))
NATIVE = [
    function
    for function in API_FUNCTIONS
    if function not in RECEIVERS and function not in STATUS_PAGE_ROUTES and function != "method_not_allowed"
]
WITH_JSON_BODY = [
    function
    for function in NATIVE + RECEIVERS
    if function not in PUBLIC_FUNCTIONS and json.loads((EVENTS / f"{function}.json").read_text())["body"]
]


def assert_problem(reply, status: int, fields: list[str] | None = None) -> None:
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json", reply.headers
    if fields is not None:
        assert reply.problem_fields == fields, reply.body


# ---- the query ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("function", NATIVE)
def test_every_native_route_refuses_a_query_parameter_it_does_not_take(org, table, function):
    before = table.items()

    reply = invoke(function, org.api_key, query={"page_size": "10"})

    assert_problem(reply, 422, ["page_size"])
    assert "is not a query parameter" in reply.body["errors"][0]["message"]
    assert table.items() == before


@pytest.mark.parametrize(
    "query",
    [{"status_category[one_of]": "live"}, {"page_size": "10"}, {"created_at[gte]": "2024-01-01"}, {"Status": "open"}],
    ids=str,
)
def test_other_vendors_filters_are_refused_not_ignored(org, query):
    invoke("create_incident", org.api_key, body={"title": "A draft"})

    reply = invoke("list_incidents", org.api_key, query=query)

    assert_problem(reply, 422, list(query))
    assert "lifecycle" in reply.body["errors"][0]["message"]  # it says what the route does take


def test_every_unknown_parameter_is_named(org):
    reply = invoke("list_incidents", org.api_key, query={"page_size": "10", "sort": "asc", "limit": "5"})

    assert_problem(reply, 422, ["page_size", "sort"])


def test_a_single_valued_parameter_given_twice_is_refused(org):
    reply = invoke("list_incidents", org.api_key, query={"lifecycle": ["draft", "active"]})

    assert_problem(reply, 422, ["lifecycle"])


def test_a_single_valued_parameter_given_twice_the_same_is_refused_too(org):
    reply = invoke("list_incidents", org.api_key, query={"tag": ["db", "db"]})

    assert_problem(reply, 422, ["tag"])


def test_severity_is_repeatable_like_status(org):
    for title, severity in (("Down", "critical"), ("Slow", "minor"), ("Meh", "low")):
        assert invoke("create_incident", org.api_key, body={"title": title, "severity": severity}).status == 201

    listed = invoke("list_incidents", org.api_key, query={"severity": ["critical", "P4"]})

    assert listed.status == 200, listed.body
    assert sorted(item["title"] for item in listed.body["incidents"]) == ["Down", "Meh"]


@pytest.mark.parametrize("function", STATUS_PAGE_ROUTES)
def test_status_page_routes_take_whatever_query_a_link_carries(table, function):
    reply = invoke(function, None, query={"utm_source": "newsletter", "ref": "slack"})

    assert reply.status == 404  # past the query: the sample's page does not exist in this table
    assert "is not a query parameter" not in str(reply.body)


@pytest.mark.parametrize("function", RECEIVERS)
def test_receivers_take_whatever_query_their_sender_adds(org, function):
    """A webhook URL is the user's to write (`?source=prod`): a receiver is liberal, and authenticates first."""
    reply = invoke(function, org.api_key, query={"source": "prod"})

    # Past the query to what the sample asks: an integration this organisation lacks, or an unsigned Slack form.
    assert reply.status == (401 if function in PUBLIC_FUNCTIONS else 404), reply.body


# ---- booleans and integers are JSON's ----------------------------------------------------------------------


@pytest.mark.parametrize("publish", ["yes", "on", "true", 1, 0, "1"], ids=repr)
def test_a_boolean_is_true_or_false_nothing_else(org, table, publish):
    before = table.items()

    reply = invoke("create_incident", org.api_key, body={"title": "Checkout is down", "publish": publish})

    assert_problem(reply, 422, ["publish"])
    assert table.items() == before


def test_maintenance_flags_are_strict_too(org, table):
    body = {
        "title": "DB upgrade",
        "scheduled_start_at": "2030-01-01T00:00:00Z",
        "scheduled_end_at": "2030-01-01T01:00:00Z",
        "auto_start": "false",
    }
    assert_problem(invoke("create_maintenance", org.api_key, body=body), 422, ["auto_start"])


@pytest.mark.parametrize(
    ("function", "body", "field"),
    [
        (
            "create_api_key",
            {"name": "ci", "scopes": ["read:incidents"], "rate_limit_per_minute": "100"},
            "rate_limit_per_minute",
        ),
        ("create_integration", {"type": "alertmanager", "name": "prod", "cooldown_minutes": "30"}, "cooldown_minutes"),
        ("create_integration", {"type": "alertmanager", "name": "prod", "publish": "yes"}, "publish"),
        ("create_integration", {"type": "alertmanager", "name": "prod", "cooldown_minutes": 30.0}, "cooldown_minutes"),
    ],
    ids=["rate limit as a string", "cooldown as a string", "publish as yes", "cooldown as a float"],
)
def test_numbers_and_flags_are_not_strings(org, table, function, body, field):
    before = table.items()

    assert_problem(invoke(function, org.api_key, body=body), 422, [field])
    assert table.items() == before


def test_the_right_types_still_pass(org):
    assert invoke("create_incident", org.api_key, body={"title": "x", "publish": True}).status == 201
    hook = {"type": "alertmanager", "name": "prod", "cooldown_minutes": 30, "publish": False}
    assert invoke("create_integration", org.api_key, body=hook).status == 201


# ---- bodies: UTF-8, and nesting ----------------------------------------------------------------------------


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def test_metadata_nested_absurdly_deep_is_a_422_naming_the_limit(org, table):
    before = table.items()

    reply = invoke("create_incident", org.api_key, raw_body=json.dumps({"title": "x", "metadata": nested(990)}))

    assert_problem(reply, 422, ["metadata"])
    assert "64" in reply.body["errors"][0]["message"]
    assert table.items() == before


def test_metadata_deeper_than_its_own_limit_is_a_422_naming_it(org, table):
    reply = invoke("create_incident", org.api_key, raw_body=json.dumps({"title": "x", "metadata": nested(20)}))

    assert_problem(reply, 422, ["metadata"])
    assert "8 levels" in reply.body["errors"][0]["message"]


def test_a_receiver_given_an_absurdly_deep_body_answers_a_problem(org):
    hook = invoke("create_integration", org.api_key, body={"type": "alertmanager", "name": "prod"}).body
    body = json.dumps({"status": "firing", "groupKey": "g", "commonLabels": nested(990)})

    reply = invoke("receive_alertmanager", org.api_key, path_params={"integration_id": hook["id"]}, raw_body=body)

    assert_problem(reply, 422, ["commonLabels"])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-32-be"])
@pytest.mark.parametrize("function", WITH_JSON_BODY)
def test_a_json_body_that_is_not_utf8_is_a_400_on_every_route(org, table, function, encoding):
    sample = json.loads((EVENTS / f"{function}.json").read_text())
    before = table.items()

    reply = invoke(
        function,
        org.api_key,
        path_params=sample["pathParameters"],
        raw_bytes=sample["body"].encode(encoding),
    )

    # Without a BOM, UTF-16-LE and UTF-32-BE of ASCII are valid UTF-8 (with NULs): then it is not valid JSON.
    assert_problem(reply, 400)
    assert "UTF-8" in reply.body["detail"] or "not valid JSON" in reply.body["detail"]
    assert table.items() == before


def test_a_charset_other_than_utf8_is_a_415(org, table):
    headers = {"Content-Type": "application/json; charset=utf-16"}
    body = '{"title": "x"}'.encode("utf-16")

    assert_problem(invoke("create_incident", org.api_key, raw_bytes=body, headers=headers), 415)


def test_utf8_with_its_charset_named_is_fine(org):
    headers = {"Content-Type": "application/json; charset=UTF-8"}
    reply = invoke("create_incident", org.api_key, raw_bytes='{"title": "Café"}'.encode(), headers=headers)

    assert reply.status == 201, reply.body


# ---- If-Match ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("if_match", ["abc", '"1', "1,", "W/1", "version 1"])
def test_an_if_match_that_is_not_an_entity_tag_is_a_400(org, table, if_match):
    incident = invoke("create_incident", org.api_key, body={"title": "x"}).body
    before = table.items()

    reply = invoke(
        "update_incident",
        org.api_key,
        path_params={"incident_id": incident["id"]},
        body={"title": "y"},
        headers={"If-Match": if_match},
    )

    assert_problem(reply, 400)
    assert "If-Match" in reply.body["detail"]
    assert table.items() == before


@pytest.mark.parametrize(("if_match", "status"), [('"1"', 200), ('W/"1"', 200), ("1", 200), ('"7", "1"', 200)])
def test_entity_tags_still_match(org, if_match, status):
    incident = invoke("create_incident", org.api_key, body={"title": "x"}).body
    path = {"incident_id": incident["id"]}

    reply = invoke(
        "update_incident", org.api_key, path_params=path, body={"title": "y"}, headers={"If-Match": if_match}
    )

    assert reply.status == status, reply.body


def test_a_well_formed_but_stale_if_match_is_still_a_412(org):
    incident = invoke("create_incident", org.api_key, body={"title": "x"}).body
    path = {"incident_id": incident["id"]}

    reply = invoke("update_incident", org.api_key, path_params=path, body={"title": "y"}, headers={"If-Match": '"9"'})

    assert_problem(reply, 412)
