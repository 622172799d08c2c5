"""What template.yaml grants each function, and whether an AWS call is among it.

moto checks no IAM, so a function can do locally what its role forbids on AWS (the read routes once counted
their requests with an UpdateItem that DynamoDBReadPolicy does not grant: denied on AWS, unseen in tests).
`Recorder` notes every AWS call a function makes while the suite runs, as IAM sees it (a transaction is its
items' PutItem/UpdateItem/DeleteItem/ConditionCheckItem, each with its partition key), and `Grants.allows`
evaluates it against the function's policies: its managed policies in the template, inline statements, and
SAM policy templates expanded from aws-sam-translator's own definitions.

Resources are named as CloudFormation would name them with the logical id standing in for the generated name
(table `FlareTable` → `arn:aws:dynamodb:us-east-1:123456789012:table/FlareTable`), so the template's ARNs and
the calls' ARNs meet whatever the local table is called.
"""

import fnmatch
import json
import os
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from flare_local.serving import RUNNING_FUNCTION
from flare_local.template import Intrinsic, load_template, resources_of_type

REGION, ACCOUNT, PARTITION = "us-east-1", "123456789012", "aws"
# The SAM policy templates come from the translator SAM itself uses, run apart from the project's environment
# (it pins its own pydantic, which would change what the layer ships).
SAM_TRANSLATOR = "aws-sam-translator==1.115.0"
# Conditions this evaluator understands; a policy with any other fails the check rather than pass unevaluated.
_KEY_CONDITIONS = {"ForAllValues:StringLike": fnmatch.fnmatchcase, "ForAllValues:StringEquals": str.__eq__}


@dataclass(frozen=True)
class Call:
    """One action as IAM authorises it."""

    action: str  # service:Action
    resource: str  # ARN
    leading_keys: tuple[str, ...] | None = None  # DynamoDB partition keys touched (None: not known)

    def __str__(self) -> str:
        keys = "" if self.leading_keys is None else f" on {', '.join(sorted(set(self.leading_keys)))}"
        return f"{self.action} {self.resource}{keys}"


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    def matches(self, call: Call) -> bool:
        if not any(fnmatch.fnmatchcase(call.action.lower(), action.lower()) for action in self.actions):
            return False
        if not any(fnmatch.fnmatchcase(call.resource, resource) for resource in self.resources):
            return False
        for operator, keys in self.conditions.items():
            for key, patterns in keys.items():
                if key != "dynamodb:LeadingKeys" or call.leading_keys is None:
                    return False  # a condition that cannot be shown to hold does not grant
                compare = _KEY_CONDITIONS[operator]
                if not all(any(compare(value, pattern) for pattern in patterns) for value in call.leading_keys):
                    return False
        return True


@dataclass(frozen=True)
class Grants:
    statements: tuple[Statement, ...]

    def allows(self, call: Call) -> bool:
        """IAM's rule: an explicit Deny wins, else any Allow grants, else denied."""
        matching = [statement for statement in self.statements if statement.matches(call)]
        return bool(matching) and all(statement.effect == "Allow" for statement in matching)


# ---- the template's side ------------------------------------------------------------------------------------


def function_directory(function: dict[str, Any]) -> str:
    """functions/<directory>/ of a template function (its CodeUri)."""
    return function["Properties"]["CodeUri"].strip("/").split("/")[-1]


def grants_by_function(template_path: str | Path) -> dict[str, Grants]:
    """Every function's grants, by function directory (the name the recorder knows a function by)."""
    template = load_template(template_path)
    resources = template.get("Resources") or {}
    grants = {}
    for function in resources_of_type(template, "AWS::Serverless::Function").values():
        statements: list[Statement] = []
        for policy in function["Properties"].get("Policies") or []:
            statements += _policy_statements(policy, resources)
        grants[function_directory(function)] = Grants(tuple(statements))
    return grants


def _policy_statements(policy: Any, resources: dict[str, Any]) -> list[Statement]:
    if isinstance(policy, str):
        raise ValueError(f"managed policy {policy!r}: grant through a policy declared in the template instead")
    if isinstance(policy, Intrinsic) and policy.name == "Ref":
        managed = resources.get(policy.value) or {}
        if managed.get("Type") != "AWS::IAM::ManagedPolicy":
            raise ValueError(f"Policies: !Ref {policy.value} is not an AWS::IAM::ManagedPolicy of the template")
        return _statements(managed["Properties"]["PolicyDocument"], resources)
    if isinstance(policy, dict) and "Statement" in policy:
        return _statements(policy, resources)
    if isinstance(policy, dict) and len(policy) == 1:
        ((name, parameters),) = policy.items()
        return _sam_policy_template(name, parameters or {}, resources)
    raise ValueError(f"cannot read the policy {policy!r}")


def _statements(document: dict[str, Any], resources: dict[str, Any], variables: dict | None = None) -> list[Statement]:
    statements = document["Statement"]
    result = []
    for statement in [statements] if isinstance(statements, dict) else statements:
        conditions = {}
        for operator, keys in (statement.get("Condition") or {}).items():
            if operator not in _KEY_CONDITIONS:
                raise ValueError(f"condition {operator} is not evaluated here: extend tests/support/iam.py")
            conditions[operator] = {key: tuple(_list(value)) for key, value in keys.items()}
        result.append(
            Statement(
                effect=statement["Effect"],
                actions=tuple(_list(statement["Action"])),
                resources=tuple(_render(value, resources, variables or {}) for value in _list(statement["Resource"])),
                conditions=conditions,
            )
        )
    return result


def _sam_policy_template(name: str, parameters: dict[str, Any], resources: dict[str, Any]) -> list[Statement]:
    definition = sam_policy_templates().get(name)
    if definition is None:
        raise ValueError(f"{name} is not a SAM policy template")
    variables = {key: _render(value, resources, {}) for key, value in parameters.items()}
    return _statements(definition["Definition"], resources, variables)


@cache
def sam_policy_templates() -> dict[str, Any]:
    """aws-sam-translator's policy templates (what `sam build` expands DynamoDBReadPolicy and the rest to)."""
    script = (
        "import json, pathlib, samtranslator; "
        "print((pathlib.Path(samtranslator.__file__).parent / 'policy_templates_data' / 'policy_templates.json')"
        ".read_text())"
    )
    uv = os.environ.get("UV") or "uv"
    command = [uv, "run", "--isolated", "--no-project", "--with", SAM_TRANSLATOR, "--python", "3.13"]
    completed = subprocess.run(
        [*command, "python", "-c", script],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ | {"UV_PYTHON_DOWNLOADS": "never"},
    )
    if completed.returncode != 0:
        raise RuntimeError(f"could not load {SAM_TRANSLATOR}: {completed.stderr.strip()[-500:]}")
    return json.loads(completed.stdout)["Templates"]


def _list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str | Intrinsic | dict) else list(value)


def _arn(logical_id: str, resources: dict[str, Any]) -> str:
    kind = (resources.get(logical_id) or {}).get("Type")
    if kind == "AWS::DynamoDB::Table":
        return f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{logical_id}"
    if kind == "AWS::SecretsManager::Secret":
        return secret_arn(logical_id)
    if kind == "AWS::SQS::Queue":
        return queue_arn(logical_id)
    if kind == "AWS::Events::EventBus":
        return bus_arn(logical_id)
    raise ValueError(f"no ARN known for {logical_id} ({kind})")


def secret_arn(logical_id: str) -> str:
    return f"arn:{PARTITION}:secretsmanager:{REGION}:{ACCOUNT}:secret:{logical_id}"


def queue_arn(logical_id: str) -> str:
    return f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:{logical_id}"


def bus_arn(logical_id: str) -> str:
    return f"arn:{PARTITION}:events:{REGION}:{ACCOUNT}:event-bus/{logical_id}"


def _logical_id(local_name: str) -> str:
    """The logical id in a local bus's or queue's name (flare_local.messaging names them <prefix>-<logical id>)."""
    return local_name.rsplit("/", 1)[-1].removesuffix(".fifo").rsplit("-", 1)[-1]


def _render(value: Any, resources: dict[str, Any], variables: dict[str, str]) -> str:
    """A policy's Resource as a string: !Ref, !GetAtt X.Arn and !Sub over them and the pseudo parameters."""
    name, argument = _intrinsic(value)
    if name is None:
        return str(value)
    if name == "Ref":
        if argument in variables:
            return variables[argument]
        kind = (resources.get(argument) or {}).get("Type")
        return _arn(argument, resources) if kind == "AWS::SecretsManager::Secret" else argument  # a table's name
    if name == "GetAtt":
        target, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
        if attribute != "Arn":
            raise ValueError(f"!GetAtt {target}.{attribute} is not rendered here")
        return _arn(target, resources)
    if name == "Sub":
        text, local = (argument, {}) if isinstance(argument, str) else argument
        local = {key: _render(item, resources, variables) for key, item in local.items()}
        pseudo = {"AWS::Partition": PARTITION, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}

        def substitute(match: re.Match[str]) -> str:
            token = match[1]
            if token in local:
                return local[token]
            if token in variables:
                return variables[token]
            if token in pseudo:
                return pseudo[token]
            if token.endswith(".Arn"):
                return _arn(token.removesuffix(".Arn"), resources)
            return _render(Intrinsic("Ref", token), resources, variables)

        return re.sub(r"\$\{([^}!]+)\}", substitute, text)
    raise ValueError(f"cannot render {value!r}")


def _intrinsic(value: Any) -> tuple[str | None, Any]:
    if isinstance(value, Intrinsic):
        return value.name, value.value
    if isinstance(value, dict) and len(value) == 1:
        ((name, argument),) = value.items()
        if name == "Ref" or name.startswith("Fn::"):
            return name.removeprefix("Fn::"), argument
    return None, None


# ---- the code's side ------------------------------------------------------------------------------------------


TABLE = "FlareTable"
SECRET = "CursorSecret"
_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def calls_of(service: str, operation: str, params: dict[str, Any]) -> Iterator[Call]:
    """The IAM actions behind one API call (the stack has one table and one secret, named by logical id; queues and
    buses are named by the logical id in their local name). A batch call is authorised as its single action."""
    if service == "secretsmanager":
        yield Call(f"secretsmanager:{operation}", secret_arn(SECRET))
        return
    if service == "sqs":
        action = {"SendMessageBatch": "SendMessage", "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}
        yield Call(f"sqs:{action.get(operation, operation)}", queue_arn(_logical_id(params.get("QueueUrl", ""))))
        return
    if service == "events":
        entries = params.get("Entries") or [{}]
        for bus in {entry.get("EventBusName", "default") for entry in entries}:
            yield Call(f"events:{operation}", bus_arn(_logical_id(bus)))
        return
    if service != "dynamodb":
        yield Call(f"{service}:{operation}", "*")
        return
    table = f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}"
    if operation == "TransactWriteItems":
        for item in params.get("TransactItems", []):
            ((kind, request),) = item.items()
            yield Call(f"dynamodb:{_TRANSACT_ACTIONS[kind]}", table, (_pk(request.get("Key") or request.get("Item")),))
    elif operation in ("BatchGetItem", "BatchWriteItem"):
        for requests in (params.get("RequestItems") or {}).values():
            keys = requests.get("Keys") if operation == "BatchGetItem" else _batch_write_keys(requests)
            yield Call(f"dynamodb:{operation}", table, tuple(_pk(key) for key in keys))
    elif operation in ("Query", "Scan"):
        index = params.get("IndexName")
        yield Call(f"dynamodb:{operation}", f"{table}/index/{index}" if index else table, _queried_pk(params))
    else:
        yield Call(f"dynamodb:{operation}", table, (_pk(params.get("Key") or params.get("Item")),))


def _pk(key: dict[str, Any] | None) -> str:
    return ((key or {}).get("PK") or {}).get("S", "")


def _batch_write_keys(requests: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [(request.get("PutRequest") or {}).get("Item") or request["DeleteRequest"]["Key"] for request in requests]


def _queried_pk(params: dict[str, Any]) -> tuple[str, ...] | None:
    """The table partition key a Query reads (None for an index, whose leading key is not the table's)."""
    if params.get("IndexName"):
        return None
    match = re.match(r"\s*PK\s*=\s*(:\w+)", params.get("KeyConditionExpression") or "")
    value = match and (params.get("ExpressionAttributeValues") or {}).get(match[1], {}).get("S")
    return (value,) if value else None


class Recorder:
    """Records, per function, every AWS call made inside `running(function)` by any boto3 client of the default
    session created after `start()`."""

    def __init__(self) -> None:
        self.calls: dict[str, set[Call]] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        import boto3

        events = boto3._get_default_session().events
        events.register("provide-client-params", self._record, unique_id="flare-iam-recorder")

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        function = RUNNING_FUNCTION.get()
        if function is None:
            return
        calls = set(calls_of(model.service_model.endpoint_prefix, model.name, params))
        with self._lock:
            self.calls.setdefault(function, set()).update(calls)
