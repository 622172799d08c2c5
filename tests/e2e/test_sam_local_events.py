"""`make sam-local-events` against a running local stack: every event it writes answers as it should when its
function runs with the env file it writes (what `sam local invoke` does in a container, here in a process of
its own with the endpoint on this host's loopback instead of host.docker.internal)."""

import json
import os
import subprocess
import sys

from flare_local.dynamodb import DUMMY_AWS_ENVIRON
from tests.e2e.conftest import ROOT

RUN_EVERY_EVENT = """
import importlib.util, json, pathlib, sys
events = pathlib.Path(sys.argv[1])
for path in sorted(events.glob("*.json")):
    function = path.stem
    module_path = pathlib.Path("functions") / function / f"{function}.py"
    spec = importlib.util.spec_from_file_location(function, module_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[function] = module
    spec.loader.exec_module(module)
    class Context:
        function_name, memory_limit_in_mb, aws_request_id = function, 1024, "sam-local-events"
        invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function}"
        def get_remaining_time_in_millis(self): return 15000
    try:
        answer = module.handler(json.loads(path.read_text()), Context())
    except Exception as error:
        answer = {"errorType": type(error).__name__, "errorMessage": str(error)}
    print(json.dumps({"function": function, "answer": answer}, default=str))
"""


def test_every_sam_local_event_answers_against_the_running_stack(stack, tmp_path):
    tools_env = os.environ | {"FLARE_LOCAL_STATE": str(stack.state_file), "FLARE_SAM_LOCAL_DIR": str(tmp_path)}
    written = subprocess.run(
        [sys.executable, "-m", "flare_local.sam_local", "events"],
        cwd=ROOT,
        env=tools_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert written.returncode == 0, written.stderr
    env_file = json.loads((tmp_path / "env.json").read_text())["Parameters"]
    port = stack.dynamodb_endpoint.rsplit(":", 1)[1]
    assert env_file["LOCAL_AWS_ENDPOINT_URL"] == f"http://host.docker.internal:{port}"

    lambda_env = {name: value for name, value in DUMMY_AWS_ENVIRON.items() if value is not None}
    lambda_env |= env_file | {"LOCAL_AWS_ENDPOINT_URL": stack.dynamodb_endpoint, "PATH": os.environ["PATH"]}
    lambda_env["PYTHONPATH"] = str(ROOT / "layers" / "flare")
    ran = subprocess.run(
        [sys.executable, "-c", RUN_EVERY_EVENT, str(tmp_path / "events")],
        cwd=ROOT,
        env=lambda_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr
    answers = {
        line["function"]: line["answer"]
        for line in map(json.loads, (text for text in ran.stdout.splitlines() if text.startswith('{"function"')))
    }

    assert set(answers) == {path.stem for path in (ROOT / "events").glob("*.json")}
    statuses = {function: answer.get("statusCode") for function, answer in answers.items() if "statusCode" in answer}
    refused = {function: answers[function] for function, status in statuses.items() if status >= 400}
    assert refused == {"method_not_allowed": answers["method_not_allowed"]}, refused  # its 405 is its purpose
    assert answers["method_not_allowed"]["statusCode"] == 405
    assert answers["authorize_request"]["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert "errorMessage" not in answers["sweep_maintenances"], answers["sweep_maintenances"]
    assert answers["project_status_pages"] == {"pages": 0}  # its sample's organisation has no page
