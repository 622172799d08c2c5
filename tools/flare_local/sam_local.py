"""`sam local` against `make dev`'s table: the env file, real events, and invocations that fail when the
function does (README, "sam local").

    python -m flare_local.sam_local build             # sam build for this machine's architecture
    python -m flare_local.sam_local events            # write .aws-sam/flare-local/: env.json, events/<function>.json
    python -m flare_local.sam_local invoke FUNCTION   # sam local invoke on that event; exit 1 unless it answered < 500
    python -m flare_local.sam_local start-api         # sam local start-api with the env file

`events` reads the running stack (`python -m flare_local` writes .flare_local/stack.json at start), creates
what the sample events name through its API (a service, incidents, a maintenance, a metric, an integration per
sender, a key to revoke), and writes each events/ sample with the seeded key, the real ids and fresh signatures.
The env file points the functions' LOCAL_AWS_ENDPOINT_URL at the stack's moto (DynamoDB and Secrets Manager) on
the address containers reach the host by, and CURSOR_SECRET_ARN at its secret, so what runs in the container is
what runs on AWS. `sam local invoke` exits 0 when the function fails; `invoke` here reads the answer instead.
"""

import argparse
import hashlib
import hmac
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flare_local.template import REPO_ROOT, load_template, resources_of_type

# Where `python -m flare_local` says how to reach it ($FLARE_LOCAL_STATE moves it: tests' stacks keep out of the way).
DEFAULT_STATE_FILE = REPO_ROOT / ".flare_local" / "stack.json"


def state_file() -> Path:
    return Path(os.environ.get("FLARE_LOCAL_STATE") or DEFAULT_STATE_FILE)


# What `events` writes ($FLARE_SAM_LOCAL_DIR moves it).
OUT = Path(os.environ.get("FLARE_SAM_LOCAL_DIR") or REPO_ROOT / ".aws-sam" / "flare-local")
EVENTS = REPO_ROOT / "events"
SAM_CLI = "aws-sam-cli==1.170.0"  # the version `make lint` validates with
# How containers reach the host: Docker Desktop resolves this name itself; on Linux Docker Engine, sam's
# --add-host maps it to the bridge's gateway (host-gateway), where the DynamoDB must listen (FLARE_DYNAMODB_HOST).
DOCKER_HOST_NAME = "host.docker.internal"
SECRETS = {
    "pagerduty": "sam-local-pagerduty-signing-secret",
    "grafana": "sam-local-grafana-signing-secret",
    "slack": "sam-local-slack-signing-secret",
}


def write_state(stack: Any, dynamodb_host: str) -> Path:
    """Called by `python -m flare_local` once its stack is up: what the tools here need to reach it."""
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "api_url": stack.base_url,
                "dynamodb_port": int(stack.dynamodb_endpoint.rsplit(":", 1)[1]),
                "dynamodb_host": dynamodb_host,
                "table_name": stack.table_name,
                "cursor_secret_arn": stack.cursor_secret_arn,
                "event_bus_name": stack.messaging.value_of("EventBus") if stack.messaging else None,
                "outbound_queue_url": stack.messaging.value_of("OutboundQueue") if stack.messaging else None,
                "api_key": stack.api_key,
                "organisation_id": stack.organisation.organisation_id if stack.organisation else None,
                "pid": os.getpid(),
            },
            indent=2,
        )
    )
    return path


def read_state() -> dict[str, Any]:
    try:
        state = json.loads(state_file().read_text())
    except FileNotFoundError:
        raise SystemExit("sam_local: no running local stack: start `make dev` first") from None
    try:
        os.kill(state["pid"], 0)
    except OSError:
        raise SystemExit("sam_local: the local stack that wrote its state file is gone: start `make dev`") from None
    if not state.get("api_key"):
        raise SystemExit("sam_local: the local stack was started with --no-seed: the events need its demo key")
    return state


# ---- events ---------------------------------------------------------------------------------------------------


class Api:
    """The running stack's API with its demo key (httpx)."""

    def __init__(self, state: dict[str, Any]) -> None:
        import httpx

        self._client = httpx.Client(
            base_url=state["api_url"] + "/api/v1", headers={"Authorization": f"Bearer {state['api_key']}"}, timeout=30
        )

    def first_delivery(self, webhook_id: str, timeout: float = 30) -> str:
        """The id of the webhook's first delivery, once the stack's pipeline has made it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            deliveries = self._client.get(f"/webhooks/{webhook_id}/deliveries").json().get("deliveries") or []
            if deliveries:
                return deliveries[0]["id"]
            time.sleep(0.2)
        raise SystemExit(f"sam_local: the stack delivered nothing to webhook {webhook_id} within {timeout:g} s")

    def post(self, path: str, body: dict[str, Any] | None = None, *, may_exist: bool = False) -> dict[str, Any]:
        reply = self._client.post(path, json=body)
        if may_exist and reply.status_code == 409:
            return reply.json()
        if reply.status_code >= 300:
            raise SystemExit(f"sam_local: POST {path} answered {reply.status_code}: {reply.text}")
        return reply.json()


def _real_ids(api: Api) -> dict[str, str]:
    """What the sample events name, made for real: `<kind>` for the ones that read or change, `<kind>_doomed`
    for the ones that delete (a delete invoked first must not empty the others' events)."""
    service = api.post("/services", {"name": f"Checkout {int(time.time())}"})["id"]
    ids = {"service": service, "service_doomed": api.post("/services", {"name": f"Old {int(time.time())}"})["id"]}
    incident = {"title": "Checkout returns 502s", "publish": True, "affected_services": [service]}
    created = api.post("/incidents", incident)
    ids |= {"incident": created["id"], "record": created["reference"]}  # `record`: a status page's incident
    ids["incident_doomed"] = api.post("/incidents", {"title": "Filed by mistake"})["id"]
    window = {"scheduled_start_at": "2030-01-01T00:00:00Z", "scheduled_end_at": "2030-01-01T01:00:00Z"}
    # One per transition, each in the state its move starts from (any order of invocations works).
    for name in ("maintenance", "maintenance_start", "maintenance_cancel", "maintenance_complete"):
        ids[name] = api.post("/maintenances", {"title": "DB upgrade", "affected_services": [service]} | window)["id"]
    api.post(f"/maintenances/{ids['maintenance_complete']}/start")
    ids["metric"] = api.post("/metrics", {"name": "p99 latency", "service_id": service})["id"]
    ids["metric_doomed"] = api.post("/metrics", {"name": "old metric", "service_id": service})["id"]
    for kind in ("alertmanager", "grafana", "datadog", "pagerduty", "opsgenie"):
        body = {"type": kind, "name": f"sam local {kind}"} | (
            {"signing_secret": SECRETS[kind]} if kind in SECRETS else {}
        )
        ids[f"integration_{kind}"] = api.post("/integrations", body)["id"]
    ids["integration_doomed"] = api.post("/integrations", {"type": "alertmanager", "name": "to delete"})["id"]
    ids["key_doomed"] = api.post("/api-keys", {"name": "to revoke", "scopes": ["read:incidents"]})["id"]
    for name in ("status_page", "status_page_doomed"):
        page = {"slug": f"sam-local-{name.replace('_', '-')}-{int(time.time())}", "name": "sam local"}
        shows = {"components": [{"service_ids": [service]}]} if name == "status_page" else {}
        ids[name] = api.post("/status-pages", page | shows)["id"]
        ids.setdefault("slug", page["slug"])  # the public routes' page: it shows the incident
    # A webhook whose endpoint refuses connections (the discard port): make dev's pipeline records its delivery of
    # the incident above, pending a retry, which the redelivery event names.
    ids["webhook"] = api.post("/webhooks", {"url": "http://127.0.0.1:9/", "event_types": ["incident.created"]})["id"]
    ids["webhook_doomed"] = api.post("/webhooks", {"url": "http://127.0.0.1:9/", "enabled": False})["id"]
    api.post("/incidents", {"title": "For the webhook"})
    ids["delivery"] = api.first_delivery(ids["webhook"])
    return ids


def _slack_team(sample: dict[str, Any]) -> str:
    return dict(parse_qsl(sample["body"]))["team_id"]


def _path_ids(function: str, ids: dict[str, str]) -> dict[str, str]:
    doomed = function.startswith(("delete_", "revoke_"))
    kind = function.removeprefix("receive_") if function.startswith("receive_") else None
    integration = (
        ids.get(f"integration_{kind}") if kind else ids["integration_doomed" if doomed else "integration_alertmanager"]
    )
    return {
        "incident_id": ids["incident_doomed" if doomed else "incident"],
        "service_id": ids["service_doomed" if doomed else "service"],
        "maintenance_id": ids.get(f"maintenance_{function.split('_')[0]}", ids["maintenance"]),
        "metric_id": ids["metric_doomed" if doomed else "metric"],
        "integration_id": integration,
        "key_id": ids["key_doomed"],
        "status_page_id": ids["status_page_doomed" if doomed else "status_page"],
        "slug": ids["slug"],
        "record": ids["record"],
        "webhook_id": ids["webhook_doomed" if doomed else "webhook"],
        "delivery_id": ids["delivery"],
    }


def _hex_hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def render_event(
    function: str, sample: dict[str, Any], state: dict[str, Any], context: dict[str, str], ids: dict[str, str]
) -> dict[str, Any]:
    """One events/ sample aimed at the running stack: its key, its organisation, real ids, fresh signatures."""
    event = json.loads(json.dumps(sample))
    if function == "sweep_maintenances" or "httpMethod" not in event and "methodArn" not in event:
        return event
    authorization = f"Bearer {state['api_key']}"
    for headers in (event.get("headers"), event.get("multiValueHeaders")):
        if headers and "Authorization" in headers:
            headers["Authorization"] = authorization if headers is event.get("headers") else [authorization]
    if function == "authorize_request":
        return event
    if (event.get("requestContext") or {}).get("authorizer"):
        event["requestContext"]["authorizer"] = context
    if event.get("pathParameters"):
        real = _path_ids(function, ids)
        event["pathParameters"] = {name: real[name] for name in event["pathParameters"]}
        path = event["resource"]
        for name, value in event["pathParameters"].items():
            path = path.replace("{" + name + "}", value)
        event["path"] = path
        event["requestContext"]["path"] = f"/{event['requestContext'].get('stage', 'live')}{path}"
    if function == "create_metric" and event.get("body"):
        event["body"] = json.dumps(json.loads(event["body"]) | {"service_id": ids["service"]})
    if function == "create_service" and event.get("body"):  # names are unique: the walk-through's may exist
        body = json.loads(event["body"])
        event["body"] = json.dumps(body | {"name": f"{body['name']} {int(time.time())}"})
    if function == "create_status_page" and event.get("body"):  # slugs are unique: an earlier run's may exist
        body = json.loads(event["body"])
        body["components"] = [{"service_ids": [ids["service"]]}]
        event["body"] = json.dumps(body | {"slug": f"{body['slug']}-{int(time.time())}"})
    signed = _signatures(function, event)
    for name, value in signed.items():
        event["headers"][name] = value
        if event.get("multiValueHeaders") is not None:
            event["multiValueHeaders"][name] = [value]
    return event


def _signatures(function: str, event: dict[str, Any]) -> dict[str, str]:
    """Fresh signatures over the event's body, with the secrets `events` gave the integrations."""
    body = (event.get("body") or "").encode()
    now = str(int(time.time()))
    if function == "receive_pagerduty":
        return {"X-PagerDuty-Signature": "v1=" + _hex_hmac(SECRETS["pagerduty"], body)}
    if function == "receive_grafana":
        return {
            "X-Grafana-Alerting-Signature": _hex_hmac(SECRETS["grafana"], now.encode() + b":" + body),
            "X-Grafana-Alerting-Timestamp": now,
        }
    if function == "receive_slack_command":
        # The command text is `help`: an answer, nothing written (Slack signatures are good for 5 minutes).
        form = dict(parse_qsl(event["body"], keep_blank_values=True)) | {"command": "/incident", "text": "help"}
        event["body"] = urlencode(form)
        body = event["body"].encode()
        return {
            "X-Slack-Request-Timestamp": now,
            "X-Slack-Signature": "v0=" + _hex_hmac(SECRETS["slack"], b"v0:" + now.encode() + b":" + body),
        }
    return {}


def docker_host_address() -> str:
    return os.environ.get("FLARE_SAM_DYNAMODB_HOST") or DOCKER_HOST_NAME


def write_events(state: dict[str, Any]) -> Path:
    api = Api(state)
    ids = _real_ids(api)
    slack_sample = json.loads((EVENTS / "receive_slack_command.json").read_text())
    # A workspace connects once: a second `events` run finds the one the first made (with the same secret).
    slack = {
        "type": "slack",
        "name": "sam local",
        "team_id": _slack_team(slack_sample),
        "signing_secret": SECRETS["slack"],
    }
    api.post("/integrations", slack, may_exist=True)
    key_id = state["api_key"].split("_", 1)[1].rsplit("_", 1)[0]
    context = {
        "principalId": key_id,
        "org_id": state["organisation_id"],
        "key_id": key_id,
        "key_name": "demo bootstrap admin key",
        "scopes": "admin read:incidents write:incidents write:maintenances",
        "rate_limit_per_minute": "1200",
    }
    events = OUT / "events"
    events.mkdir(parents=True, exist_ok=True)
    for sample_path in sorted(EVENTS.glob("*.json")):
        if sample_path.name == "env.json":
            continue
        function = sample_path.stem
        sample = json.loads(sample_path.read_text())
        rendered = render_event(function, sample, state, context, ids)
        (events / sample_path.name).write_text(json.dumps(rendered, indent=2) + "\n")
    endpoint = f"http://{docker_host_address()}:{state['dynamodb_port']}"
    (OUT / "env.json").write_text(json.dumps({"Parameters": env_file_values(state, endpoint)}, indent=2) + "\n")
    return OUT


def env_file_values(state: dict[str, Any], endpoint: str) -> dict[str, str]:
    """The variables sam local sets in every function (it overrides only variables the template declares; these
    are the ones whose template values it cannot resolve to anything local: tests/unit/test_sam_local.py)."""
    return {
        "TABLE_NAME": state["table_name"],
        "LOCAL_AWS_ENDPOINT_URL": endpoint,
        "CURSOR_SECRET_ARN": state["cursor_secret_arn"],
        # The bus and the outbound queue make dev made in its moto (the publisher and the deliverer use them).
        "EVENT_BUS_NAME": state["event_bus_name"],
        "OUTBOUND_QUEUE_URL": state["outbound_queue_url"],
        # Links in Slack announcements lead to make dev's status pages.
        "PUBLIC_BASE_URL": state["api_url"],
    }


# ---- running sam ----------------------------------------------------------------------------------------------


def logical_id(function: str) -> str:
    """The template's logical id of functions/<function>/."""
    template = load_template(REPO_ROOT / "template.yaml")
    for name, resource in resources_of_type(template, "AWS::Serverless::Function").items():
        if resource["Properties"]["CodeUri"].strip("/").split("/")[-1] == function:
            return name
    raise SystemExit(f"sam_local: no function {function} in template.yaml (functions/<name>/)")


def host_arch() -> str:
    return "arm64" if platform.machine().lower() in ("arm64", "aarch64") else "x86_64"


def sam_command(*arguments: str) -> list[str]:
    uv = os.environ.get("UV") or shutil.which("uv")
    base = [uv, "tool", "run", "--python", "3.13", "--from", SAM_CLI, "sam"] if uv else ["sam"]
    return base + list(arguments)


def local_options() -> list[str]:
    """What every `sam local` command here passes: the env file, the host's architecture, (Linux Docker Engine,
    where the name does not resolve by itself) the host's address for host.docker.internal, then $FLARE_SAM_FLAGS
    (e.g. `--invoke-image <a local image> --skip-pull-image` where registries are out of reach)."""
    options = ["--env-vars", str(OUT / "env.json"), "--parameter-overrides", f"Arch={host_arch()}"]
    if platform.system() == "Linux" and docker_host_address() == DOCKER_HOST_NAME:
        options += ["--add-host", f"{DOCKER_HOST_NAME}:host-gateway"]
    return options + shlex.split(os.environ.get("FLARE_SAM_FLAGS", ""))


def sam_environment() -> dict[str, str]:
    # moto takes any credentials; the container gets these, never the developer's real ones.
    return os.environ | {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "SAM_CLI_TELEMETRY": "0",
    }


def judge(stdout: str) -> tuple[bool, str]:
    """Whether an invocation's answer (sam's stdout: the function's result) is a success, and why not."""
    lines = [line for line in stdout.strip().splitlines() if line.strip()]
    if not lines:
        return False, "the function answered nothing (did it crash or time out?)"
    try:
        answer = json.loads(lines[-1])
    except ValueError:
        return False, f"the function's answer is not JSON: {lines[-1][:300]}"
    if isinstance(answer, dict) and "errorMessage" in answer:
        return False, f"the function failed: {answer.get('errorType')}: {answer['errorMessage']}"
    status = answer.get("statusCode") if isinstance(answer, dict) else None
    if isinstance(status, int) and status >= 500:
        return False, f"the function answered {status}: {answer.get('body', '')[:300]}"
    return True, f"answered {status}" if status is not None else "done"


def invoke(function: str) -> int:
    event = OUT / "events" / f"{function}.json"
    if not event.exists():
        raise SystemExit(f"sam_local: no {event}: run `make sam-local-events` first")
    command = sam_command("local", "invoke", logical_id(function), "-e", str(event), *local_options())
    completed = subprocess.run(command, capture_output=True, text=True, env=sam_environment(), cwd=REPO_ROOT)
    sys.stderr.write(completed.stderr)
    print(completed.stdout.strip())
    ok, why = judge(completed.stdout)
    print(f"sam_local: {function}: {why}", file=sys.stderr)
    return 0 if ok and completed.returncode == 0 else 1


def build() -> int:
    """sam build for this machine's architecture (the template deploys arm64). The layer's Makefile picks its
    binary wheels by FLARE_LAYER_ARCH: SAM does not pass the architecture to a makefile build."""
    arch = host_arch()
    command = sam_command("build", "--parameter-overrides", f"Arch={arch}")
    environment = sam_environment() | {"FLARE_LAYER_ARCH": arch}
    return subprocess.run(command, env=environment, cwd=REPO_ROOT, check=False).returncode


BUILT_TEMPLATE = REPO_ROOT / ".aws-sam" / "build" / "template.yaml"


def without_catch_all_methods(built: dict[str, Any]) -> dict[str, Any]:
    """The built template without its ANY methods. On API Gateway a path's ANY takes only the methods the path
    does not declare (functions/method_not_allowed answers them 405); SAM's emulator lets ANY take them all, so
    with it every request would be a 405."""
    template = json.loads(json.dumps(built))
    for resource in (template.get("Resources") or {}).values():
        events = (resource.get("Properties") or {}).get("Events") or {}
        for name in [name for name, event in events.items() if _is_any_method(event)]:
            del events[name]
        if "Events" in resource.get("Properties", {}) and not events:
            del resource["Properties"]["Events"]
    return template


def _is_any_method(event: dict[str, Any]) -> bool:
    return event.get("Type") == "Api" and str((event.get("Properties") or {}).get("Method", "")).lower() == "any"


def start_api(port: int) -> int:
    import yaml

    if not (OUT / "env.json").exists():
        raise SystemExit("sam_local: no .aws-sam/flare-local/env.json: run `make sam-local-events` first")
    if not BUILT_TEMPLATE.exists():
        raise SystemExit("sam_local: no .aws-sam/build/template.yaml: run `make sam-build` first")
    # Beside the built one: its CodeUri and ContentUri paths are relative to it.
    served = BUILT_TEMPLATE.with_name("template.start-api.yaml")
    served.write_text(yaml.safe_dump(without_catch_all_methods(yaml.safe_load(BUILT_TEMPLATE.read_text()))))
    command = sam_command("local", "start-api", "-t", str(served), "--port", str(port), *local_options())
    return subprocess.run(command, env=sam_environment(), cwd=REPO_ROOT, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flare_local.sam_local", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="sam build for this machine's architecture")
    commands.add_parser("events", help="write the env file and the events for the running local stack")
    one = commands.add_parser("invoke", help="sam local invoke one function on its event")
    one.add_argument("function", help="its functions/ directory, e.g. get_incident")
    api = commands.add_parser("start-api", help="sam local start-api with the env file")
    api.add_argument("--port", type=int, default=3001)
    args = parser.parse_args(argv)
    if args.command == "events":
        out = write_events(read_state())
        print(f"wrote {out / 'env.json'} and {out / 'events'}/ (Slack's is signed for 5 minutes)")
        return 0
    if args.command == "invoke":
        return invoke(args.function)
    if args.command == "build":
        return build()
    return start_api(args.port)


if __name__ == "__main__":
    sys.exit(main())
