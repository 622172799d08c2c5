"""`sam local` against `make dev` (flare_local.sam_local): what sam local cannot resolve in the template is in the
env file, the events carry real credentials and signatures, and a failed function is a failed invocation."""

import json
import time

import pytest

from flare.alerting import signatures
from flare_local import sam_local
from flare_local.template import Intrinsic, load_template, resources_of_type
from tests.support.invoking import EVENTS, ROOT

TEMPLATE = load_template(ROOT / "template.yaml")
STATE = {
    "api_url": "http://127.0.0.1:3000",
    "dynamodb_port": 8000,
    "table_name": "flare-local",
    "cursor_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:flare-local-cursor-AbCdEf",
    "api_key": "flare_key_01KAQ5Z3C4B5N6P7Q8R9S0T1V3_" + "ab" * 32,
    "organisation_id": "org_01KAQ5Z3C4B5N6P7Q8R9S0T1V2",
    "event_bus_name": "flare-local-EventBus",
    "outbound_queue_url": "http://127.0.0.1:8000/123456789012/flare-local-OutboundQueue.fifo",
}
IDS = {
    "service": "svc_01KAQ60000000000000000000S",
    "service_doomed": "svc_01KAQ60000000000000000000T",
    "incident": "inc_01KAQ60000000000000000000I",
    "incident_doomed": "inc_01KAQ60000000000000000000J",
    "maintenance": "mnt_01KAQ60000000000000000000M",
    "maintenance_start": "mnt_01KAQ60000000000000000000N",
    "maintenance_cancel": "mnt_01KAQ60000000000000000000P",
    "maintenance_complete": "mnt_01KAQ60000000000000000000Q",
    "metric": "met_01KAQ60000000000000000000M",
    "metric_doomed": "met_01KAQ60000000000000000000N",
    "integration_alertmanager": "int_01KAQ60000000000000000000A",
    "integration_grafana": "int_01KAQ60000000000000000000G",
    "integration_datadog": "int_01KAQ60000000000000000000D",
    "integration_pagerduty": "int_01KAQ60000000000000000000P",
    "integration_opsgenie": "int_01KAQ60000000000000000000Q",
    "integration_doomed": "int_01KAQ60000000000000000000Z",
    "key_doomed": "key_01KAQ60000000000000000000K",
    "status_page": "spg_01KAQ60000000000000000000S",
    "status_page_doomed": "spg_01KAQ60000000000000000000T",
    "slug": "sam-local-status-page-1795000000",
    "record": "INC-1",
    "webhook": "whk_01KAQ60000000000000000000W",
    "webhook_doomed": "whk_01KAQ60000000000000000000X",
    "delivery": "dlv_01KAQ60000000000000000000D",
}
CONTEXT = {"principalId": "key_x", "org_id": STATE["organisation_id"], "key_id": "key_x", "scopes": "admin"}


def render(function: str) -> dict:
    sample = json.loads((EVENTS / f"{function}.json").read_text())
    return sam_local.render_event(function, sample, STATE, CONTEXT, IDS)


def environment() -> dict:
    variables = dict(TEMPLATE["Globals"]["Function"]["Environment"]["Variables"])
    for resource in resources_of_type(TEMPLATE, "AWS::Serverless::Function").values():
        variables |= ((resource["Properties"].get("Environment") or {}).get("Variables")) or {}
    return variables


def test_what_sam_local_cannot_resolve_in_the_environment_the_env_file_sets():
    """sam local resolves literals and !Ref to a parameter; !Ref to a resource becomes its logical id and !If is
    left unresolved (the README's old DynamoDBEndpoint route silently called AWS). Each such variable must be
    one the env file sets, or sam local would run against something that is not make dev's."""
    overridden = set(sam_local.env_file_values(STATE, "http://host.docker.internal:8000"))
    parameters = set(TEMPLATE.get("Parameters") or {})
    for name, value in environment().items():
        resolvable = isinstance(value, str | int | float | bool) or (
            isinstance(value, Intrinsic) and value.name == "Ref" and value.value in parameters
        )
        assert resolvable or name in overridden, f"{name}: {value!r} is not resolved by sam local"
    assert overridden <= set(environment()), "sam local ignores what the template does not declare"


def test_the_env_file_points_containers_at_make_devs_moto():
    values = sam_local.env_file_values(STATE, "http://host.docker.internal:8000")

    assert values["LOCAL_AWS_ENDPOINT_URL"] == "http://host.docker.internal:8000"
    assert values["CURSOR_SECRET_ARN"] == STATE["cursor_secret_arn"]
    assert values["TABLE_NAME"] == "flare-local"
    assert values["EVENT_BUS_NAME"] == STATE["event_bus_name"]
    assert values["OUTBOUND_QUEUE_URL"] == STATE["outbound_queue_url"]


def test_events_carry_the_seeded_key_and_real_ids():
    authorizer = render("authorize_request")
    incident = render("get_incident")
    deleted = render("delete_incident")

    assert authorizer["headers"]["Authorization"] == f"Bearer {STATE['api_key']}"
    assert incident["pathParameters"] == {"incident_id": IDS["incident"]}
    assert incident["path"] == f"/api/v1/incidents/{IDS['incident']}"
    assert incident["requestContext"]["authorizer"] == CONTEXT
    assert deleted["pathParameters"] == {"incident_id": IDS["incident_doomed"]}
    assert render("complete_maintenance")["pathParameters"] == {"maintenance_id": IDS["maintenance_complete"]}
    assert render("receive_opsgenie")["pathParameters"] == {"integration_id": IDS["integration_opsgenie"]}
    assert json.loads(render("create_metric")["body"])["service_id"] == IDS["service"]
    assert render("delete_status_page")["pathParameters"] == {"status_page_id": IDS["status_page_doomed"]}
    public = render("get_public_incident")
    assert public["pathParameters"] == {"slug": IDS["slug"], "record": "INC-1"}
    assert public["requestContext"]["path"] == f"/live/status/{IDS['slug']}/incidents/INC-1"
    assert "authorizer" not in public["requestContext"]  # a public route: no key
    page = json.loads(render("create_status_page")["body"])
    assert page["components"] == [{"service_ids": [IDS["service"]]}] and page["slug"].startswith("acme-")


def test_signed_events_are_signed_now_with_the_integrations_secrets():
    now = time.time()
    pagerduty, grafana, slack = render("receive_pagerduty"), render("receive_grafana"), render("receive_slack_command")

    signatures.verify_pagerduty(
        sam_local.SECRETS["pagerduty"], pagerduty["body"].encode(), pagerduty["headers"]["X-PagerDuty-Signature"]
    )
    signatures.verify_grafana(
        sam_local.SECRETS["grafana"],
        grafana["body"].encode(),
        grafana["headers"]["X-Grafana-Alerting-Signature"],
        grafana["headers"]["X-Grafana-Alerting-Timestamp"],
        now,
    )
    signatures.verify_slack(
        sam_local.SECRETS["slack"],
        slack["body"].encode(),
        slack["headers"]["X-Slack-Signature"],
        slack["headers"]["X-Slack-Request-Timestamp"],
        now,
    )
    assert "text=help" in slack["body"]


@pytest.mark.parametrize(
    ("stdout", "ok"),
    [
        ('{"statusCode": 200, "body": "{}"}', True),
        ('{"statusCode": 404, "body": "{}"}', True),
        ('{"statusCode": 503, "body": "{}"}', False),
        ('{"errorMessage": "Unauthorized", "errorType": "Exception"}', False),
        ('{"errorMessage": "exec format error"}', False),
        ("", False),
        ("START RequestId\nnot json", False),
        ('{"principalId": "key_x", "policyDocument": {}}', True),
    ],
)
def test_an_invocation_succeeds_only_when_the_function_answered(stdout, ok):
    """`sam local invoke` exits 0 when the function raised or never ran: the answer decides."""
    assert sam_local.judge(stdout)[0] is ok


def test_sam_local_options_reach_the_host_on_linux(monkeypatch):
    monkeypatch.setattr(sam_local.platform, "system", lambda: "Linux")
    monkeypatch.delenv("FLARE_SAM_DYNAMODB_HOST", raising=False)

    options = sam_local.local_options()

    assert options[options.index("--add-host") + 1] == "host.docker.internal:host-gateway"
    assert options[options.index("--parameter-overrides") + 1] in ("Arch=x86_64", "Arch=arm64")


def test_start_api_serves_the_template_without_its_catch_all_methods():
    """SAM's emulator lets a path's ANY take every method (API Gateway gives it only the undeclared ones)."""
    built = {
        "Resources": {
            "GetIncidentFunction": {
                "Properties": {"Events": {"Api": {"Type": "Api", "Properties": {"Method": "get"}}}}
            },
            "MethodNotAllowedFunction": {
                "Properties": {"Events": {"Incidents": {"Type": "Api", "Properties": {"Method": "any"}}}}
            },
            "SweepMaintenancesFunction": {"Properties": {"Events": {"Sweep": {"Type": "Schedule"}}}},
        }
    }

    served = sam_local.without_catch_all_methods(built)

    assert "Events" not in served["Resources"]["MethodNotAllowedFunction"]["Properties"]
    assert served["Resources"]["GetIncidentFunction"] == built["Resources"]["GetIncidentFunction"]
    assert served["Resources"]["SweepMaintenancesFunction"] == built["Resources"]["SweepMaintenancesFunction"]
    assert "Events" in built["Resources"]["MethodNotAllowedFunction"]["Properties"]  # the built one is untouched
