"""The alert senders' registry drives everything that varies by sender: the integration types, which of them sign,
the receivers' titles; and each registered sender has its function, its template entry and its sample event."""

import importlib
import json
import pkgutil
import typing
from pathlib import Path

import pytest
from pydantic import ValidationError

from flare.alerting import senders
from flare.alerting.models import NON_SENDER_TYPES, SIGNING_TYPES, CreateIntegrationRequest, IntegrationType
from flare.alerting.senders import SENDERS
from flare.alerting.senders.sender import Sender
from flare.fields import SEVERITIES
from flare_local.template import DEFAULT_TEMPLATE, load_template, resources_of_type

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = resources_of_type(load_template(DEFAULT_TEMPLATE), "AWS::Serverless::Function")
SECRET = "a-signing-secret"


def test_integration_types_are_the_senders_then_slack_in_the_documented_order():
    assert list(typing.get_args(IntegrationType)) == [*SENDERS, "slack"]
    # docs/openapi.json lists them in this order; a reordered registry would change the committed document.
    assert list(SENDERS) == ["alertmanager", "grafana", "datadog", "pagerduty", "opsgenie"]
    assert list(NON_SENDER_TYPES) == ["slack"] and "slack" not in SENDERS


def test_signing_types_come_from_how_each_sender_signs():
    derived = {name: sender.signs == "required" for name, sender in SENDERS.items() if sender.signs}
    assert derived | {"slack": True} == SIGNING_TYPES
    assert SIGNING_TYPES == {"grafana": False, "pagerduty": True, "slack": True}


def test_every_sender_module_is_registered_under_its_name():
    declared = {}
    for module_info in pkgutil.iter_modules(senders.__path__):
        module = importlib.import_module(f"{senders.__name__}.{module_info.name}")
        if isinstance(getattr(module, "SENDER", None), Sender):
            declared[module_info.name] = module.SENDER
    assert declared == SENDERS
    assert all(name == sender.name for name, sender in SENDERS.items())


@pytest.mark.parametrize("name", list(SENDERS))
def test_a_sender_is_complete(name):
    sender = SENDERS[name]
    assert sender.title.strip() and sender.signs in (None, "optional", "required")
    assert (sender.verify is None) == (sender.signs is None)
    mapping = sender.default_severity_mapping
    assert mapping and set(mapping.values()) <= set(SEVERITIES)
    assert all(key == key.strip().casefold() for key in mapping)  # matched casefolded


@pytest.mark.parametrize("name", list(SENDERS))
def test_a_sender_has_its_function_template_entry_and_sample_event(name):
    function = f"receive_{name}"
    assert (ROOT / "functions" / function / f"{function}.py").is_file()
    path = f"/api/v1/integrations/{name}/{{integration_id}}"
    entries = [
        resource["Properties"]
        for resource in FUNCTIONS.values()
        if resource["Properties"]["CodeUri"].strip("/") == f"functions/{function}"
    ]
    assert len(entries) == 1, f"template.yaml has {len(entries)} functions for functions/{function}/"
    assert entries[0]["Handler"] == f"{function}.handler"
    routes = [event["Properties"] for event in entries[0]["Events"].values() if event["Type"] == "Api"]
    assert [(route["Path"], route["Method"].lower()) for route in routes] == [(path, "post")]
    event = json.loads((ROOT / "events" / f"{function}.json").read_text())
    assert (event["resource"], event["httpMethod"]) == (path, "POST")


def integration(kind: str, **fields) -> CreateIntegrationRequest:
    return CreateIntegrationRequest.model_validate({"type": kind, "name": f"{kind} alerts", **fields})


@pytest.mark.parametrize("name", list(SENDERS))
def test_creating_an_integration_asks_for_a_secret_as_its_sender_signs(name):
    signs = SENDERS[name].signs
    if signs == "required":
        with pytest.raises(ValidationError, match="is required for"):
            integration(name)
    else:
        assert integration(name).signing_secret is None
    if signs is None:
        with pytest.raises(ValidationError, match="does not sign its requests"):
            integration(name, signing_secret=SECRET)
    else:
        assert integration(name, signing_secret=SECRET).signing_secret == SECRET


def test_a_sender_that_signs_has_a_verify_function_and_only_such_a_sender():
    parse = SENDERS["alertmanager"].parse
    with pytest.raises(ValueError, match="verify function"):
        Sender(name="x", title="X", default_severity_mapping={}, parse=parse, signs="required")
    with pytest.raises(ValueError, match="verify function"):
        Sender(name="x", title="X", default_severity_mapping={}, parse=parse, verify=SENDERS["pagerduty"].verify)
