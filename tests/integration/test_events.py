"""The events/ samples: one per function in template.yaml, shaped like what API Gateway sends, and each one
answers successfully when its ids are real."""

import json
import re
from datetime import UTC, datetime

import pytest

from flare import clock
from tests.support.invoking import (
    EVENTS,
    FUNCTIONS,
    PUBLIC_FUNCTIONS,
    ROOT,
    LambdaContext,
    authorize,
    handler_of,
    invoke,
)
from tests.support.outbound import DelivererContext, deliver_outbound

TEMPLATE_FUNCTIONS = sorted(set(re.findall(r"CodeUri:\s*functions/(\w+)/?", (ROOT / "template.yaml").read_text())))
NOT_HTTP = {"authorize_request", "sweep_maintenances", "project_status_pages", "publish_events", "deliver_outbound"}
HTTP_FUNCTIONS = [name for name in TEMPLATE_FUNCTIONS if name not in NOT_HTTP]


def sample(function: str) -> dict:
    return json.loads((EVENTS / f"{function}.json").read_text())


def test_every_function_in_the_template_has_its_handler_and_a_sample_event(table):
    # `table`: the environment of a deployed function (list functions read their cursor secret at import).
    assert len(TEMPLATE_FUNCTIONS) >= 18
    for function in TEMPLATE_FUNCTIONS:
        assert (FUNCTIONS / function / f"{function}.py").is_file(), function
        assert (EVENTS / f"{function}.json").is_file(), f"events/{function}.json is missing"
        assert callable(handler_of(function)), function


def test_every_sample_event_belongs_to_a_function_in_the_template():
    samples = {path.stem for path in EVENTS.glob("*.json")} - {"env"}
    assert samples == set(TEMPLATE_FUNCTIONS)


def test_sample_events_are_shaped_like_api_gateway_proxy_events(org):
    for function in HTTP_FUNCTIONS:
        event = sample(function)
        assert event["httpMethod"] in ("GET", "POST", "PATCH", "DELETE", "PUT"), function
        assert event["resource"].startswith(("/api/v1/", "/status/{slug}")), function
        assert event["requestContext"]["resourcePath"] == event["resource"], function
        assert event["requestContext"]["httpMethod"] == event["httpMethod"], function
        placeholders = set(re.findall(r"{(\w+)}", event["resource"]))
        assert set(event["pathParameters"] or {}) == placeholders, function
        path = event["resource"]
        for name, value in (event["pathParameters"] or {}).items():
            path = path.replace("{" + name + "}", value)
        assert event["path"] == path, function
        if function in PUBLIC_FUNCTIONS:  # no authorizer: a status page's reader, or what Slack signs (a form)
            assert "authorizer" not in event["requestContext"], function
            if function == "receive_slack_command":
                assert event["headers"]["Content-Type"] == "application/x-www-form-urlencoded", function
            else:
                assert event["requestContext"]["path"] == "/live" + event["path"], function  # execute-api's
            continue
        if event.get("body"):
            json.loads(event["body"])
            assert event["headers"]["Content-Type"] == "application/json", function
        # The authorizer context carries what the real authorizer puts there.
        real = authorize(org.api_key, event["httpMethod"], event["resource"])
        assert set(event["requestContext"]["authorizer"]) == set(real), function


def test_the_authorizer_sample_refuses_its_made_up_key_and_allows_a_real_one(org):
    event = sample("authorize_request")
    with pytest.raises(Exception, match="^Unauthorized$"):
        handler_of("authorize_request")(event, LambdaContext())

    event["headers"] = {"Authorization": f"Bearer {org.api_key}"}
    policy = handler_of("authorize_request")(event, LambdaContext())
    [statement] = policy["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"].endswith("/live/*/*")  # cached per key, so it must allow every route
    assert policy["context"]["org_id"] == org.organisation_id


@pytest.fixture
def real_ids(org, table) -> dict[str, str]:
    """Ids of this organisation's resources, for the samples' path parameters."""
    service = invoke("create_service", org.api_key, body={"name": "Search"}).body
    incident = invoke(
        "create_incident",
        org.api_key,
        body={"title": "Search is slow", "publish": True, "affected_services": [service["id"]]},
    ).body
    # The sample's status filter (identified) and its messages list have something to show.
    invoke(
        "create_incident_message",
        org.api_key,
        path_params={"incident_id": incident["id"]},
        body={"type": "identified", "description": "A slow index."},
    )
    spare = invoke("create_service", org.api_key, body={"name": "Spare"}).body
    key = invoke("create_api_key", org.api_key, body={"name": "spare", "scopes": ["read:incidents"]}).body
    maintenance = invoke(
        "create_maintenance",
        org.api_key,
        body={
            "title": "Reindex",
            "scheduled_start_at": "2030-01-01T00:00:00Z",
            "scheduled_end_at": "2030-01-01T01:00:00Z",
        },
    ).body
    metric = invoke("create_metric", org.api_key, body={"name": "p99 latency", "service_id": service["id"]}).body
    ids = {
        "incident_id": incident["id"],
        "service_id": spare["id"],
        "key_id": key["id"],
        "maintenance_id": maintenance["id"],
        "metric_id": metric["id"],
        # The sample body's service id (create_metric) stands for a real one.
        SAMPLE_SERVICE_ID: service["id"],
    }
    for kind in RECEIVER_KINDS:
        secret = {"signing_secret": PAGERDUTY_SAMPLE_SECRET} if kind == "pagerduty" else {}
        integration = invoke("create_integration", org.api_key, body={"type": kind, "name": kind} | secret).body
        ids[f"receive_{kind}"] = integration["id"]
    ids["integration_id"] = ids["receive_alertmanager"]
    page = invoke(
        "create_status_page",
        org.api_key,
        body={"slug": "search", "name": "Search status", "components": [{"service_ids": [service["id"]]}]},
    ).body
    ids |= {"status_page_id": page["id"], "slug": page["slug"], "record": incident["reference"]}
    # A webhook whose endpoint refuses connections (the discard port): its delivery is recorded, pending a retry.
    webhook = invoke("create_webhook", org.api_key, body={"url": "http://127.0.0.1:9/", "event_types": ["*"]}).body
    ids["webhook_id"] = webhook["id"]
    deliver_outbound(table)  # the page's snapshot, which its public routes read, and the webhook's deliveries
    deliveries = invoke("list_webhook_deliveries", org.api_key, path_params={"webhook_id": webhook["id"]}).body
    ids["delivery_id"] = deliveries["deliveries"][0]["id"]
    # events/receive_slack_command.json is Slack's published example request, signed with this secret.
    slack = {"type": "slack", "name": "slack", "team_id": "T1DC2JH3J", "signing_secret": SLACK_SAMPLE_SECRET}
    assert invoke("create_integration", org.api_key, body=slack).status == 201
    return ids


SAMPLE_SERVICE_ID = "svc_01KAQ60000000000000000000B"
RECEIVER_KINDS = ("alertmanager", "grafana", "datadog", "pagerduty", "opsgenie")
PAGERDUTY_SAMPLE_SECRET = "sample-pagerduty-signing-secret"  # events/receive_pagerduty.json is signed with it
SLACK_SAMPLE_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # Slack's, for its example request
SLACK_SAMPLE_TIME = datetime.fromtimestamp(1531420618, UTC)  # the example's X-Slack-Request-Timestamp


@pytest.mark.parametrize("function", HTTP_FUNCTIONS)
def test_each_sample_event_succeeds_against_real_ids(org, real_ids, function):
    event = sample(function)
    path_params = {name: real_ids[name] for name in event["pathParameters"] or {}} or None
    if function.startswith("receive_") and function in real_ids:  # each for an integration of its own type
        path_params = {"integration_id": real_ids[function]}
    if function == "complete_maintenance":  # only an in-progress maintenance can be completed
        invoke("start_maintenance", org.api_key, path_params=path_params, body=None)
    body = event["body"] and event["body"].replace(SAMPLE_SERVICE_ID, real_ids[SAMPLE_SERVICE_ID])
    if function == "receive_slack_command":
        clock.set_clock(lambda: SLACK_SAMPLE_TIME)  # Slack's example is from 2018: fresh at that time only
    try:
        reply = invoke(
            function, None if function in PUBLIC_FUNCTIONS else org.api_key, path_params=path_params, raw_body=body
        )
    finally:
        clock.set_clock(None)

    assert reply.status < 500, reply.body
    if function == "method_not_allowed":  # a PUT on GET /incidents/{id}: refusing it is its job
        assert (reply.status, reply.headers["Allow"]) == (405, "DELETE, GET, PATCH"), reply.body
        return
    assert 200 <= reply.status < 300, reply.body
    assert reply.headers["X-Request-Id"] == event["headers"]["X-Request-Id"]
    if function.startswith("receive_") and function != "receive_slack_command":  # each sample files an alert
        assert reply.body["outcome"] in ("created", "absorbed"), reply.body
    if function.startswith("list_"):
        plural = next(name for name in reply.body if name != "next_cursor")
        assert reply.body[plural], f"{function}'s sample found nothing"


def test_the_projector_sample_runs_on_a_change_no_page_shows(org, real_ids):
    assert handler_of("project_status_pages")(sample("project_status_pages"), LambdaContext()) == {"pages": 0}


def test_the_scheduler_sample_runs_a_sweep(org, real_ids):
    report = handler_of("sweep_maintenances")(sample("sweep_maintenances"), LambdaContext())
    assert report == {"transitions": [], "failures": []}  # nothing is due until 2030


def test_the_event_publisher_sample_publishes_its_change(org, real_ids):
    published = handler_of("publish_events")(sample("publish_events"), LambdaContext())
    assert published == {"events": 1, "deliveries": 0}  # identified: a status change; nobody of its org subscribes


def test_the_deliverer_sample_drops_a_delivery_of_a_webhook_that_is_not_there(org, real_ids):
    answer = handler_of("deliver_outbound")(sample("deliver_outbound"), DelivererContext())
    assert answer == {"batchItemFailures": []}
