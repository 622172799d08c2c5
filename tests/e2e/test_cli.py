"""`flare incident …` and `flare maintenance …` as a shell or a CI job runs them, against the local stack."""

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from flare_cli.api import FlareApi, ProblemError
from tests.e2e.conftest import ROOT, free_port

INCIDENT_ID = re.compile(r"inc_[0-9A-Z]{26}")


def flare(stack, *args: str, env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess:
    """`flare ARGS…` with FLARE_API_URL and FLARE_API_KEY set for the stack (`env` changes them; None unsets)."""
    environment = os.environ | {"FLARE_API_URL": stack.base_url, "FLARE_API_KEY": stack.api_key} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "flare_cli.main", *args],
        env={name: value for name, value in environment.items() if value is not None},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def flare_json(stack, *args: str) -> dict:
    result = flare(stack, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"


def test_create_prints_the_incident_and_get_json_is_the_api_s(stack):
    title = unique("CLI: checkout returns 502s")
    created = flare(
        stack, "incident", "create", "--title", title, "--severity", "Sev 2", "--publish", "--message", "Looking."
    )
    assert created.returncode == 0, created.stderr
    assert title in created.stdout
    assert "major" in created.stdout and "investigating (active)" in created.stdout
    incident_id = INCIDENT_ID.search(created.stdout).group()
    fetched = flare_json(stack, "incident", "get", incident_id)
    with stack.client() as api:
        assert fetched == api.get(f"/incidents/{incident_id}").json()
    assert fetched["messages"][0]["description"] == "Looking."


def test_create_sends_tags_and_metadata_and_publish_publishes(stack):
    created = flare_json(
        stack,
        "incident",
        "create",
        "--title",
        unique("CLI: tagged"),
        "--tag",
        "cli",
        "--meta",
        "run=42",
        "--meta",
        "a=b",
    )
    assert created["tags"] == ["cli"]
    assert created["metadata"] == {"run": "42", "a": "b"}
    assert created["lifecycle"] == "draft"
    assert flare_json(stack, "incident", "publish", created["id"])["lifecycle"] == "active"


def test_list_update_and_resolve(stack):
    tag = unique("cli-list").replace(" ", "-")
    title = unique("CLI: search is slow")
    created = flare_json(stack, "incident", "create", "--title", title, "--tag", tag, "--publish")
    incident_id = created["id"]
    listed = flare_json(stack, "incident", "list", "--tag", tag)
    assert [incident["id"] for incident in listed["incidents"]] == [incident_id]
    [line] = flare(stack, "incident", "list", "--tag", tag).stdout.splitlines()
    assert line.split() == [created["reference"], "minor", "investigating", "active", *title.split()]

    updated = flare_json(stack, "incident", "update", incident_id, "--status", "identified", "--message", "Found it.")
    assert updated["status"] == "identified"
    assert updated["messages"][0]["type"] == "identified"

    resolved = flare(stack, "incident", "resolve", incident_id, "--message", "Fast again.")
    assert resolved.returncode == 0, resolved.stderr
    assert "resolved (resolved)" in resolved.stdout
    assert flare_json(stack, "incident", "get", incident_id)["messages"][0]["description"] == "Fast again."


def test_list_all_follows_the_cursor(stack):
    tag = unique("cli-pages").replace(" ", "-")
    ids = [
        flare_json(stack, "incident", "create", "--title", unique("CLI: page"), "--tag", tag)["id"] for _ in range(3)
    ]
    every = flare_json(stack, "incident", "list", "--tag", tag, "--limit", "1", "--all")
    assert [incident["id"] for incident in every["incidents"]] == ids[::-1]  # newest first
    first_page = flare(stack, "incident", "list", "--tag", tag, "--limit", "1")
    assert len(first_page.stdout.splitlines()) == 1
    assert "--all" in first_page.stderr


def test_the_same_source_and_external_id_land_on_the_same_incident(stack):
    key = ["--source", "cli-test", "--external-id", unique("disk-full")]
    first = flare_json(stack, "incident", "create", "--title", "Disk full", *key)
    again = flare(stack, "incident", "create", "--title", "Disk still full", *key, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["id"] == first["id"]
    assert json.loads(again.stdout)["occurrences"] == 2


def test_an_idempotency_key_replays_the_first_answer(stack):
    create = [
        "incident",
        "create",
        "--title",
        unique("CLI: replayed"),
        "--idempotency-key",
        unique("cli").replace(" ", "-"),
    ]
    first, second = flare_json(stack, *create), flare_json(stack, *create)
    assert second == first


def test_a_refused_request_names_the_field_and_exits_1(stack):
    result = flare(stack, "incident", "create", "--title", "Bad severity", "--severity", "urgent")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("flare: ")
    assert re.search(r"^flare: +severity: ", result.stderr, re.M)


def test_an_unknown_incident_is_the_api_s_404(stack):
    missing = "inc_01ARZ3NDEKTSV4RRFFQ69G5FAV"
    result = flare(stack, "incident", "get", missing)
    assert result.returncode == 1
    assert result.stderr == f"flare: no incident {missing} (404 Not Found)\n"


def test_missing_configuration_is_a_usage_error(stack):
    result = flare(stack, "incident", "list", env={"FLARE_API_KEY": None})
    assert result.returncode == 2
    assert "FLARE_API_KEY" in result.stderr and "--api-key" in result.stderr
    assert "FLARE_API_URL" not in result.stderr


def test_flags_override_the_environment_and_unreachable_is_reported(stack):
    nowhere = f"http://127.0.0.1:{free_port()}"
    elsewhere = {"FLARE_API_URL": nowhere, "FLARE_API_KEY": "flare_key_nope_0000"}
    unreachable = flare(stack, "incident", "list", env=elsewhere)
    assert unreachable.returncode == 1
    assert unreachable.stderr.startswith(f"flare: cannot reach {nowhere}")
    flagged = flare(stack, "incident", "list", "--api-url", stack.base_url, "--api-key", stack.api_key, env=elsewhere)
    assert flagged.returncode == 0, flagged.stderr
    refused = flare(stack, "incident", "list", "--api-key", "flare_key_nope_0000")
    assert refused.returncode == 1
    assert "(401 " in refused.stderr


def test_maintenance_create_list_start_complete_cancel(stack):
    now = datetime.now(UTC)
    window = ["--start", (now + timedelta(hours=1)).isoformat(), "--end", (now + timedelta(hours=2)).isoformat()]
    title = unique("CLI: DB upgrade")
    created = flare_json(stack, "maintenance", "create", "--title", title, *window, "--no-auto-start")
    assert (created["status"], created["auto_start"], created["auto_complete"]) == ("scheduled", False, True)
    listed = flare_json(stack, "maintenance", "list", "--all")
    assert created["id"] in [maintenance["id"] for maintenance in listed["maintenances"]]

    started = flare(stack, "maintenance", "start", created["id"], "--message", "Starting early.")
    assert started.returncode == 0, started.stderr
    assert "in_progress" in started.stdout and "Starting early." in started.stdout
    assert flare_json(stack, "maintenance", "complete", created["id"])["status"] == "completed"

    other = flare_json(stack, "maintenance", "create", "--title", unique("CLI: cancelled"), *window)
    assert flare_json(stack, "maintenance", "cancel", other["id"])["status"] == "cancelled"
    again = flare(stack, "maintenance", "start", other["id"])
    assert again.returncode == 1
    assert "(409 " in again.stderr


def github_actions_step(workflow: dict, step_id: str) -> str:
    [step] = [step for step in workflow["jobs"]["flare"]["steps"] if step.get("id") == step_id]
    return step["run"]


def test_the_github_actions_example_files_and_resolves_one_incident(stack):
    workflow = yaml.safe_load((ROOT / "docs" / "examples" / "github-actions.yml").read_text())
    repository = unique("acme/shop").replace(" ", "-")

    def run(step_id: str, run_id: int) -> subprocess.CompletedProcess:
        contexts = {
            "secrets.FLARE_API_URL": stack.base_url,
            "secrets.FLARE_API_KEY": stack.api_key,
            "github.repository": repository,
            "github.ref_name": "main",
            "github.server_url": "https://github.com",
            "github.run_id": str(run_id),
        }
        env = {
            name: re.sub(r"\$\{\{ *([\w.]+) *\}\}", lambda match: contexts[match.group(1)], str(value))
            for name, value in workflow["jobs"]["flare"]["env"].items()
        }
        # `flare` as `pip install "flare[cli] @ …"` installs it: the console script next to this interpreter.
        path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
        return subprocess.run(
            ["bash", "-euo", "pipefail", "-c", github_actions_step(workflow, step_id)],
            env=env | {"PATH": path},
            capture_output=True,
            text=True,
            timeout=60,
        )

    def incident(incident_id: str) -> dict:
        with stack.client() as api:
            return api.get(f"/incidents/{incident_id}").json()

    filed = run("file-incident", 1)  # run 1 fails
    assert filed.returncode == 0, filed.stderr
    incident_id = INCIDENT_ID.search(filed.stdout).group()
    for run_id in (1, 2):  # run 1 is re-run and fails again; run 2 fails
        again = run("file-incident", run_id)
        assert again.returncode == 0, again.stderr
        assert INCIDENT_ID.search(again.stdout).group() == incident_id
    filed_incident = incident(incident_id)
    assert (filed_incident["lifecycle"], filed_incident["severity"]) == ("active", "major")
    assert filed_incident["occurrences"] == 2  # the re-run was replayed, run 2 counted
    assert filed_incident["metadata"]["run_url"].endswith(f"/{repository}/actions/runs/1")

    resolved = run("resolve-incident", 3)  # run 3 deploys
    assert resolved.returncode == 0, resolved.stderr
    assert incident(incident_id)["lifecycle"] == "resolved"
    nothing_open = run("resolve-incident", 4)
    assert nothing_open.returncode == 0
    assert "no unresolved incident" in nothing_open.stderr


def test_the_readme_cli_example_runs_as_written(stack):
    if shutil.which("jq") is None:
        pytest.skip("the README's example uses jq")
    section = (ROOT / "README.md").read_text().split("### From a shell or CI", 1)[1]
    script = re.search(r"```sh\n(.*?)```", section, re.S).group(1).replace("http://127.0.0.1:3000", stack.base_url)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env={"FLARE_API_KEY": stack.api_key, "PATH": "/usr/bin:/bin:/usr/local/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert re.search(r"^INC-\d+ +minor +resolved +resolved +Search is slow$", result.stdout, re.M)


def test_rate_limited_requests_are_retried_only_when_safe_to_repeat():
    calls = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) % 2:
            return httpx.Response(429, headers={"Retry-After": "0"}, json={"title": "Too Many", "detail": "slow down"})
        return httpx.Response(200, json={"ok": True})

    with FlareApi("http://flare.test", "key", transport=httpx.MockTransport(answer)) as api:
        assert api.request("GET", "/incidents") == {"ok": True}
        assert api.request("POST", "/incidents", json={}, idempotency_key="k") == {"ok": True}
        assert calls[-1].headers["Idempotency-Key"] == "k"
        assert len(calls) == 4
        with pytest.raises(ProblemError, match="slow down"):
            api.request("POST", "/incidents", json={})
        assert len(calls) == 5


def test_flare_org_create_does_not_need_httpx(stack):
    without_httpx = "import sys; sys.modules['httpx'] = None; from flare_cli.main import main; sys.exit(main())"
    environment = os.environ | {"FLARE_API_URL": stack.base_url, "FLARE_API_KEY": stack.api_key}
    org = subprocess.run(
        [sys.executable, "-c", without_httpx, "org", "create", unique("no-httpx"), "--json"]
        + ["--endpoint-url", stack.dynamodb_endpoint],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=environment,
    )
    assert org.returncode == 0, org.stderr
    api_command = subprocess.run(
        [sys.executable, "-c", without_httpx, "incident", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=environment,
    )
    assert api_command.returncode == 2
    assert "flare[cli]" in api_command.stderr
