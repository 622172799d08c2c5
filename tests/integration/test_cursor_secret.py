"""The cursor-signing secret: read from Secrets Manager when a list function starts, never held in any function's
configuration, and never replaced by a default: a function without it does not start."""

import json
import os
import subprocess
import sys

import pytest

from flare_local.dynamodb import DUMMY_AWS_ENVIRON
from flare_local.template import Intrinsic, load_template, resources_of_type
from tests.support.invoking import FUNCTIONS, ROOT

TEMPLATE = load_template(ROOT / "template.yaml")
START = """
import sys
sys.path.insert(0, {directory!r})
import list_incidents  # the cold start: the module builds its handler
from flare import cursor
print(cursor._secret().decode())
"""


def cold_start(environment: dict[str, str]) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("CURSOR_", "LOCAL_AWS"))}
    env |= {name: value for name, value in DUMMY_AWS_ENVIRON.items() if value is not None}
    env |= {"TABLE_NAME": "flare-test"} | environment
    script = START.format(directory=str(FUNCTIONS / "list_incidents"))
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)


def environment_values() -> list[tuple[str, object]]:
    variables = dict(TEMPLATE["Globals"]["Function"]["Environment"]["Variables"])
    for resource in resources_of_type(TEMPLATE, "AWS::Serverless::Function").values():
        variables |= ((resource["Properties"].get("Environment") or {}).get("Variables")) or {}
    return list(variables.items())


def test_no_function_holds_the_secret_in_its_configuration():
    for name, value in environment_values():
        assert "resolve:secretsmanager" not in json.dumps(value, default=str), name
        assert name != "CURSOR_SECRET", "the value itself must not be configured"
    assert dict(environment_values())["CURSOR_SECRET_ARN"] == Intrinsic("Ref", "CursorSecret")


def test_a_list_function_reads_its_secret_from_secrets_manager_when_it_starts(dynamodb):
    secrets = dynamodb.client("secretsmanager")
    expected = secrets.get_secret_value(SecretId=dynamodb.cursor_secret_arn)["SecretString"]

    started = cold_start(
        {"CURSOR_SECRET_ARN": dynamodb.cursor_secret_arn, "LOCAL_AWS_ENDPOINT_URL": dynamodb.endpoint_url}
    )

    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == expected


@pytest.mark.parametrize(
    "environment",
    [{}, {"CURSOR_SECRET_ARN": ""}],
    ids=["nothing configured", "an empty ARN"],
)
def test_a_list_function_without_its_secret_fails_to_start(environment):
    started = cold_start(environment)

    assert started.returncode != 0
    assert "no cursor secret" in started.stderr


def test_a_list_function_whose_secret_cannot_be_read_fails_to_start(dynamodb):
    missing = dynamodb.cursor_secret_arn.replace("flare-test-cursor", "no-such-secret")

    started = cold_start({"CURSOR_SECRET_ARN": missing, "LOCAL_AWS_ENDPOINT_URL": dynamodb.endpoint_url})

    assert started.returncode != 0
    assert "ResourceNotFound" in started.stderr or "GetParameterError" in started.stderr
