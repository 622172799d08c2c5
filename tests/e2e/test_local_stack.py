"""HTTP against the local stack, as a newcomer uses it after `make dev`."""

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from flare_local import openapi_spec
from tests.e2e.conftest import ROOT


def readme_walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Walk-through", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_the_readme_walkthrough_runs_as_written(stack):
    script = readme_walkthrough().replace("http://127.0.0.1:3000", stack.base_url)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script + '\necho "INC=$INC SVC=$SVC"'],
        env={"FLARE_API_KEY": stack.api_key, "PATH": "/usr/bin:/bin:/usr/local/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    incident_id = re.search(r"INC=(inc_\w+)", result.stdout).group(1)
    service_id = re.search(r"SVC=(svc_\w+)", result.stdout).group(1)
    with stack.client() as api:
        incident = api.get(f"/incidents/{incident_id}").json()
        assert incident["lifecycle"] == "resolved"
        assert [message["type"] for message in incident["messages"]] == ["resolved", "identified", "investigating"]
        assert api.get(f"/services/{service_id}").json()["status"] == "operational"
        resolved = api.get("/incidents", params={"status": "resolved"}).json()["incidents"]
        assert incident_id in [item["id"] for item in resolved]


def test_create_message_resolve_list_over_http(stack):
    with stack.client() as api:
        created = api.post("/incidents", json={"title": "Search is slow", "severity": "P3", "publish": True})
        assert created.status_code == 201
        assert created.headers["Location"] == f"/api/v1/incidents/{created.json()['id']}"
        incident_id = created.json()["id"]
        posted = api.post(f"/incidents/{incident_id}/messages", json={"type": "monitoring", "description": "Fixed?"})
        assert posted.status_code == 201
        resolved = api.post(f"/incidents/{incident_id}/resolve", json={"description": "Fast again."})
        assert resolved.json()["status"] == "resolved"
        listed = api.get("/incidents", params=[("status", "resolved"), ("status", "monitoring")]).json()
        assert incident_id in [item["id"] for item in listed["incidents"]]


def test_errors_are_problems_with_the_request_id(stack):
    with stack.client() as api:
        bad = api.post("/incidents", json={"title": "", "severity": "urgent"}, headers={"X-Request-Id": "req-42"})
        assert bad.status_code == 422
        assert bad.headers["Content-Type"] == "application/problem+json"
        assert bad.headers["X-Request-Id"] == "req-42"
        assert bad.json()["request_id"] == "req-42"
        assert {error["field"] for error in bad.json()["errors"]} == {"title", "severity"}
        malformed = api.post("/incidents", content=b'{"title": ', headers={"Content-Type": "application/json"})
        assert malformed.status_code == 400
        assert api.post("/incidents", content=b"title=x", headers={"Content-Type": "text/plain"}).status_code == 415
        unknown = api.get("/nothing-here")
        assert unknown.status_code == 404
        assert unknown.headers["Content-Type"] == "application/problem+json"


def test_keys_are_required_and_checked(stack):
    with stack.client(api_key="") as anonymous:
        refused = anonymous.get("/incidents")
        assert refused.status_code == 401
        assert refused.json()["status"] == 401
    with stack.client(api_key="flare_key_nope_0000") as malformed:
        assert malformed.get("/incidents").status_code == 401


def test_openapi_and_swagger_ui_are_served(stack):
    served = httpx.get(f"{stack.base_url}/openapi.json").json()
    committed = openapi_spec.committed()
    assert served["paths"] == committed["paths"]
    assert served["openapi"].startswith("3.1")
    docs = httpx.get(f"{stack.base_url}/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_flare_org_create_makes_a_working_isolated_organisation(stack):
    with stack.client() as demo:
        secret = demo.post("/incidents", json={"title": "Demo-only incident"}).json()["id"]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flare_cli.main",
            "org",
            "create",
            "acme",
            "--json",
            "--endpoint-url",
            stack.dynamodb_endpoint,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["name"] == "acme"
    with stack.client(api_key=created["api_key"]) as acme:
        assert acme.get("/incidents").json()["incidents"] == []
        assert acme.get(f"/incidents/{secret}").status_code == 404
        assert acme.post("/services", json={"name": "Acme API"}).status_code == 201


def test_rate_limits_hold_on_the_local_stack(stack):
    with stack.client() as admin:
        key = admin.post(
            "/api-keys", json={"name": "tight", "scopes": ["read:incidents"], "rate_limit_per_minute": 2}
        ).json()
    with stack.client(api_key=key["key"]) as limited:
        # Five quick requests span at most two windows, so at most four pass: one must be refused.
        answers = [limited.get("/incidents") for _ in range(5)]
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert sum(answer.status_code == 200 for answer in answers) <= 4
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.headers["Retry-After"] == refused.headers["RateLimit-Reset"]
    assert refused.headers["RateLimit-Limit"] == "2"
    assert refused.headers["RateLimit-Remaining"] == "0"


def readme_alerts_walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Alerts:", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_the_readme_alerts_walkthrough_runs_as_written(stack):
    with stack.client() as api:  # the service the walk-through made (the stack may be fresh or not)
        assert api.post("/services", json={"name": "Checkout API"}).status_code in (201, 409)
    variables = "\n".join(readme_walkthrough().splitlines()[:3])  # API, AUTH, JSON
    script = (variables + "\n" + readme_alerts_walkthrough()).replace("http://127.0.0.1:3000", stack.base_url)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env={"FLARE_API_KEY": stack.api_key, "PATH": "/usr/bin:/bin:/usr/local/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    outcomes = [json.loads(line)["outcome"] for line in result.stdout.splitlines() if '"outcome"' in line]
    assert outcomes == ["created", "absorbed", "resolved"]
    with stack.client() as api:
        [incident] = [
            item
            for item in api.get("/incidents", params={"status": "resolved"}).json()["incidents"]
            if item["title"] == "Checkout p99 above 2s"
        ]
        assert incident["occurrences"] == 2
        assert incident["severity"] == "minor"  # warning, by Alertmanager's default mapping
        assert incident["affected_services"][0]["name"] == "Checkout API"


def test_a_slack_slash_command_over_http_declares_an_incident(stack):
    from urllib.parse import urlencode

    from slack_sdk.signature import SignatureVerifier

    secret, team = "e2e-slack-signing-secret", "TE2ESLACK"
    with stack.client() as api:
        connected = api.post(
            "/integrations", json={"type": "slack", "name": "e2e", "team_id": team, "signing_secret": secret}
        )
        assert connected.status_code in (201, 409)  # 409: a previous test of this stack connected it
    body = urlencode(
        {
            "team_id": team,
            "user_id": "U0E2E",
            "user_name": "e2e",
            "command": "/incident",
            "text": "declare E2E 🔥 sev:P2",
        }
    )
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }

    answer = httpx.post(f"{stack.base_url}/api/v1/integrations/slack/commands", content=body, headers=headers)

    assert answer.status_code == 200, answer.text
    assert answer.json()["response_type"] == "in_channel"
    reference = answer.json()["text"].split()[0]
    with stack.client() as api:
        incident = api.get(f"/incidents/{reference}").json()
    assert (incident["title"], incident["severity"], incident["lifecycle"]) == ("E2E 🔥", "major", "active")
    unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
    refused = httpx.post(f"{stack.base_url}/api/v1/integrations/slack/commands", content=body, headers=unsigned)
    assert refused.status_code == 401


def test_flare_org_create_finds_the_stacks_database_by_its_port(stack):
    """`make dev` moves its DynamoDB with FLARE_DYNAMODB_PORT; `flare org create` follows it, no flag needed."""
    port = stack.dynamodb_endpoint.rsplit(":", 1)[1]
    env = os.environ | {"FLARE_DYNAMODB_PORT": port}
    result = subprocess.run(
        [sys.executable, "-m", "flare_cli.main", "org", "create", "ported", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )

    assert result.returncode == 0, result.stderr
    with stack.client(api_key=json.loads(result.stdout)["api_key"]) as ported:
        assert ported.get("/incidents").status_code == 200


def test_a_malformed_dev_api_key_is_one_line_saying_the_format(tmp_path):
    env = os.environ | {"FLARE_DEV_API_KEY": "flare_not-a-key", "PORT": "0", "FLARE_DYNAMODB_PORT": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "flare_local"], capture_output=True, text=True, timeout=60, cwd=ROOT, env=env
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "FLARE_DEV_API_KEY must read flare_key_" in line


@pytest.mark.parametrize("variable", ["PORT", "FLARE_DYNAMODB_PORT"])
def test_a_port_that_is_not_a_number_is_one_line_naming_it(variable):
    env = os.environ | {"PORT": "0", "FLARE_DYNAMODB_PORT": "0", variable: "80a"}
    result = subprocess.run(
        [sys.executable, "-m", "flare_local"], capture_output=True, text=True, timeout=60, cwd=ROOT, env=env
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    error = result.stderr.strip().splitlines()[-1]
    assert "'80a' is not a port number" in error
    assert ("--dynamodb-port" in error) is (variable == "FLARE_DYNAMODB_PORT")


CONNECTIONS = 250


def test_a_burst_of_concurrent_connections_is_served_not_reset(stack):
    """Alertmanager storms and CI pipelines open many connections at once: each one gets its answer (the
    standard library's listen backlog of 5 reset them at 30)."""
    start = threading.Barrier(CONNECTIONS)

    def one_request(_: int) -> int:
        with httpx.Client(base_url=stack.api, headers={"Authorization": f"Bearer {stack.api_key}"}, timeout=120) as api:
            start.wait()
            return api.get("/services", params={"limit": 1}).status_code

    with ThreadPoolExecutor(CONNECTIONS) as pool:
        statuses = list(pool.map(one_request, range(CONNECTIONS)))

    assert statuses == [200] * CONNECTIONS


def test_a_method_a_path_does_not_serve_is_a_405_over_http(stack):
    with stack.client() as api:
        refused = api.put("/incidents", json={"title": "x"})
        missing = api.get("/no-such-collection")

    assert refused.status_code == 405
    assert refused.headers["Allow"] == "GET, POST"
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert missing.status_code == 404


def test_both_servers_queue_hundreds_of_connections(stack):
    """Linux drops (and retries) what overflows a listen queue, macOS resets it: the burst above passes on
    Linux either way, so the queue's depth is read off the listening sockets themselves (ss's Send-Q)."""
    if shutil.which("ss") is None:
        pytest.skip("ss (iproute2) is not installed")
    listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=True).stdout.splitlines()
    backlogs = {line.split()[3].rsplit(":", 1)[1]: int(line.split()[2]) for line in listening}
    api_port, dynamodb_port = stack.base_url.rsplit(":", 1)[1], stack.dynamodb_endpoint.rsplit(":", 1)[1]

    assert backlogs[api_port] >= 200
    assert backlogs[dynamodb_port] >= 200
