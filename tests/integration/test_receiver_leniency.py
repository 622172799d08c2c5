"""Receivers never refuse a well-formed delivery over a field they only read for mapping or metadata: a number
where text was expected, a list or an object where a string was, text where a number was (rules.alerts).

Each delivery below is a real vendor payload (tests/fixtures/vendors) with such a field changed; each used to
be answered 422, which senders drop, losing the incident.
"""

import json
from typing import Any

import pytest

from tests.support import new_service
from tests.support.receivers import (
    AM_FIRING,
    assert_outcome,
    connect,
    datadog,
    deliver,
    dumps,
    grafana,
    incident,
    opsgenie,
    pagerduty,
)


def changed(body: bytes, change) -> bytes:
    payload = json.loads(body)
    change(payload)
    return dumps(payload)


def test_opsgenie_numeric_priority_opens_a_minor_incident_that_its_close_resolves(org):
    """Opsgenie consumers' fixtures carry `"priority": 3`: the Create was refused (422) and the Close ignored."""
    hook = connect(org, "opsgenie")

    opened = assert_outcome(deliver(hook, opsgenie(priority=3), org.api_key), "created", 201)

    found = incident(org, opened["incident_id"])
    assert (found["severity"], found["status"], found["external_id"]) == (
        "minor",
        "investigating",
        f"{hook['id']}/aliastest",
    )
    resolved = assert_outcome(deliver(hook, opsgenie("Close", priority=3), org.api_key), "resolved")
    assert resolved["incident_id"] == opened["incident_id"]
    assert incident(org, opened["incident_id"])["status"] == "resolved"


def _alertmanager(payload: dict[str, Any]) -> None:
    payload["alerts"][0]["labels"] |= {"http_status": 500, "canary": False}  # label values that are not strings
    payload["commonLabels"] |= {"http_status": 500}
    payload["commonAnnotations"]["summary"] = ["Checkout is failing"]


def _grafana(payload: dict[str, Any]) -> None:
    payload["alerts"][1]["labels"]["zone"] = 1
    payload["commonAnnotations"] = []
    payload["message"] = {"text": "not a string"}


def _datadog(payload: dict[str, Any]) -> None:
    payload |= {"priority": 1, "tags": ["service:checkout", "env:prod"], "org": "Acme", "hostname": 7}


def _pagerduty(payload: dict[str, Any]) -> None:
    payload["event"]["data"] |= {"number": "2", "service": "Checkout", "priority": {"summary": ["P2"]}}


@pytest.mark.parametrize(
    ("kind", "body", "severity", "check"),
    [
        (
            "alertmanager",
            changed(AM_FIRING, _alertmanager),
            "critical",
            lambda found: (
                found["metadata"]["common_labels"]["http_status"] == "500" and found["title"] == "Checkout is failing"
            ),
        ),
        (
            "grafana",
            changed(grafana(severities=("warning", "critical")), _grafana),
            "critical",
            lambda found: found["metadata"]["alerts"][1]["labels"]["zone"] == "1" and found["description"] == "",
        ),
        (
            "datadog",
            changed(datadog(), _datadog),
            "critical",
            lambda found: (
                found["metadata"]["tags"] == ["service:checkout", "env:prod"] and found["metadata"]["hostname"] == "7"
            ),
        ),
        (
            "pagerduty",
            changed(pagerduty(), _pagerduty),
            "major",
            lambda found: found["metadata"]["number"] == 2 and found["title"] == "A little bump in the road",
        ),
    ],
    ids=["alertmanager", "grafana", "datadog", "pagerduty"],
)
def test_delivery_with_mapping_fields_of_another_type_opens_the_incident(org, kind, body, severity, check):
    checkout = new_service(org, "Checkout")
    hook = connect(org, kind)

    opened = assert_outcome(deliver(hook, body, org.api_key), "created", 201)

    found = incident(org, opened["incident_id"])
    assert found["severity"] == severity
    assert check(found), found
    if kind in ("datadog", "pagerduty"):  # services named by a tag list, by a bare service name
        assert [service["id"] for service in found["affected_services"]] == [checkout]
    # The same delivery again is the same alert: absorbed, not a second incident.
    again = assert_outcome(deliver(hook, body, org.api_key), "absorbed")
    assert again["incident_id"] == opened["incident_id"]


def test_identifying_field_of_the_wrong_type_is_still_422_naming_it(org, table):
    hook = connect(org, "alertmanager")
    before = table.items()

    reply = deliver(hook, changed(AM_FIRING, lambda payload: payload.update(groupKey=["{}:{}"])), org.api_key)

    assert reply.status == 422
    assert "groupKey" in reply.problem_fields
    assert table.items() == before
