"""Integrations through the handlers: create (one per sender type), the signing secret shown once, validation,
list and paging, delete (its receiver stops answering), tenants and scopes."""

import json
import re
from datetime import UTC, datetime

import pytest

from tests.support import new_service, scoped_key, tick_clock
from tests.support.invoking import invoke

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
SECRET = "whsec-0123456789abcdef"
UNKNOWN_SERVICE = "svc_01KAQ60000000000000000000S"
UNKNOWN_INTEGRATION = "int_01KAQ60000000000000000000N"


def create(key: str, **fields):
    return invoke("create_integration", key, body=fields)


def new_integration(org, kind: str = "alertmanager", **fields) -> dict:
    reply = create(org.api_key, type=kind, name=f"{kind} prod", **fields)
    assert reply.status == 201, reply.body
    return reply.body


def get(key: str, integration_id: str):
    return invoke("get_integration", key, path_params={"integration_id": integration_id})


def delete(key: str, integration_id: str):
    return invoke("delete_integration", key, path_params={"integration_id": integration_id})


def listed(key: str, **query):
    return invoke("list_integrations", key, query=query)


def receive_grafana(key: str, integration_id: str):
    """A delivery of the sample Grafana payload (events/receive_grafana.json) to this integration."""
    return invoke("receive_grafana", key, path_params={"integration_id": integration_id})


# ---- create -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "secret"),
    [
        ("alertmanager", None),
        ("grafana", None),
        ("grafana", SECRET),
        ("datadog", None),
        ("pagerduty", SECRET),
        ("opsgenie", None),
    ],
)
def test_each_type_can_be_created(org, kind, secret):
    fields = {"signing_secret": secret} if secret else {}
    reply = create(org.api_key, type=kind, name="Prod alerts", **fields)

    assert reply.status == 201, reply.body
    integration = reply.body
    assert re.match(r"^int_[0-9A-HJKMNP-TV-Z]{26}$", integration["id"])
    assert reply.headers["Location"] == f"/api/v1/integrations/{integration['id']}"
    assert integration["webhook_path"] == f"/api/v1/integrations/{kind}/{integration['id']}"
    assert (integration["type"], integration["name"]) == (kind, "Prod alerts")
    assert (integration["signed"], integration["signing_secret"]) == (secret is not None, secret)
    assert integration["default_services"] == []
    assert (integration["default_severity"], integration["cooldown_minutes"], integration["publish"]) == (
        "major",
        30,
        False,
    )
    assert integration["created_at"].endswith("Z")


def test_the_signing_secret_is_shown_only_when_created(org):
    created = new_integration(org, "pagerduty", signing_secret=SECRET)
    assert (created["signing_secret"], created["signed"]) == (SECRET, True)

    got = get(org.api_key, created["id"])
    assert got.status == 200, got.body
    assert "signing_secret" not in got.body
    assert got.body["signed"] is True
    assert SECRET not in json.dumps(got.body)
    assert got.body == {name: value for name, value in created.items() if name != "signing_secret"}

    page = listed(org.api_key)
    assert [item["id"] for item in page.body["integrations"]] == [created["id"]]
    assert page.body["integrations"][0]["signed"] is True
    assert SECRET not in json.dumps(page.body)


def test_settings_are_kept_and_severity_mapping_is_normalised(org):
    checkout = new_service(org)
    integration = new_integration(
        org,
        "datadog",
        default_services=[checkout],
        default_severity="P1",
        severity_mapping={" CRIT ": "Sev 1", "Warn": "P3"},
        cooldown_minutes=0,
        publish=True,
    )
    assert integration["default_services"] == [checkout]
    assert integration["default_severity"] == "critical"
    assert integration["severity_mapping"] == {"crit": "critical", "warn": "minor"}
    assert (integration["cooldown_minutes"], integration["publish"]) == (0, True)
    assert get(org.api_key, integration["id"]).body["severity_mapping"] == {"crit": "critical", "warn": "minor"}


def test_the_longest_cooldown_is_a_week(org):
    assert new_integration(org, cooldown_minutes=10_080)["cooldown_minutes"] == 10_080


# ---- validation: a problem naming the field, nothing written -----------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "pagerduty"}, "signing_secret"),
        ({"type": "pagerduty", "signing_secret": "short"}, "signing_secret"),
        ({"type": "alertmanager", "signing_secret": SECRET}, "signing_secret"),
        ({"type": "datadog", "signing_secret": SECRET}, "signing_secret"),
        ({"type": "opsgenie", "signing_secret": SECRET}, "signing_secret"),
        ({"type": "nagios"}, "type"),
        ({}, "type"),
        ({"type": "grafana", "name": ""}, "name"),
        ({"type": "grafana", "cooldown_minutes": -1}, "cooldown_minutes"),
        ({"type": "grafana", "cooldown_minutes": 10_081}, "cooldown_minutes"),
        ({"type": "grafana", "default_services": [UNKNOWN_SERVICE]}, "default_services"),
        ({"type": "grafana", "default_severity": "urgent"}, "default_severity"),
        ({"type": "grafana", "colour": "red"}, "colour"),
    ],
)
def test_a_bad_integration_is_refused_naming_the_field(org, table, fields, field):
    before = table.items()

    reply = create(org.api_key, **({"name": "Prod alerts"} | fields))

    assert reply.status == 422, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert field in reply.problem_fields
    assert table.items() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"severity_mapping": {"P0": "urgent"}}, "severity_mapping"),
        ({"default_services": ["svc_nope"]}, "default_services"),
    ],
)
def test_a_bad_entry_is_refused_naming_its_field(org, table, fields, field):
    before = table.items()

    reply = create(org.api_key, type="alertmanager", name="Prod alerts", **fields)

    assert reply.status == 422, reply.body
    assert reply.problem_fields and all(name.startswith(field) for name in reply.problem_fields)
    assert table.items() == before


def test_default_services_of_another_organisation_are_refused(org, other_org, table):
    theirs = new_service(other_org, "Their service")
    before = table.items()
    reply = create(org.api_key, type="alertmanager", name="Prod alerts", default_services=[theirs])
    assert (reply.status, reply.problem_fields) == (422, ["default_services"])
    assert table.items() == before


# ---- list and delete --------------------------------------------------------------------------------------


def test_integrations_are_listed_newest_first_a_page_at_a_time(org):
    tick_clock()
    ids = [new_integration(org, kind)["id"] for kind in ("alertmanager", "datadog", "opsgenie")]

    seen, cursor = [], None
    for _ in range(len(ids)):
        page = listed(org.api_key, limit="1", **({"cursor": cursor} if cursor else {}))
        assert page.status == 200, page.body
        assert len(page.body["integrations"]) == 1
        seen += [item["id"] for item in page.body["integrations"]]
        cursor = page.body["next_cursor"]
    assert seen == ids[::-1]
    assert cursor is None
    assert [item["id"] for item in listed(org.api_key).body["integrations"]] == ids[::-1]


def test_delete_then_it_is_gone_and_its_receiver_answers_404(org):
    integration = new_integration(org, "grafana")
    assert receive_grafana(org.api_key, integration["id"]).status != 404

    assert delete(org.api_key, integration["id"]).status == 204

    assert get(org.api_key, integration["id"]).status == 404
    assert listed(org.api_key).body["integrations"] == []
    assert receive_grafana(org.api_key, integration["id"]).status == 404
    assert delete(org.api_key, integration["id"]).status == 404


@pytest.mark.parametrize("integration_id", [UNKNOWN_INTEGRATION, "int_nope", "met_01KAQ60000000000000000000M"])
def test_unknown_or_malformed_integration_ids_are_404(org, integration_id):
    assert get(org.api_key, integration_id).status == 404
    assert delete(org.api_key, integration_id).status == 404


# ---- tenants and scopes -----------------------------------------------------------------------------------


def test_another_organisation_cannot_see_or_delete_an_integration(org, other_org, table):
    integration = new_integration(org, "grafana")
    before = table.items()

    assert get(other_org.api_key, integration["id"]).status == 404
    assert delete(other_org.api_key, integration["id"]).status == 404
    assert listed(other_org.api_key).body == {"integrations": [], "next_cursor": None}
    assert receive_grafana(other_org.api_key, integration["id"]).status == 404
    assert table.items() == before
    assert get(org.api_key, integration["id"]).status == 200


@pytest.mark.parametrize("scopes", [["write:incidents"], ["read:incidents"], ["write:maintenances"]])
def test_integrations_need_admin(org, table, scopes):
    integration = new_integration(org, "grafana")
    key = scoped_key(org, *scopes)
    before = table.items()

    assert create(key, type="alertmanager", name="Prod alerts").status == 403
    assert listed(key).status == 403
    assert get(key, integration["id"]).status == 403
    assert delete(key, integration["id"]).status == 403
    assert table.items() == before


def test_a_severity_mapping_naming_a_value_twice_in_different_cases_is_refused(org, table):
    before = table.items()

    refused = invoke(
        "create_integration",
        org.api_key,
        body={"type": "alertmanager", "name": "am", "severity_mapping": {"CRIT": "critical", "crit": "low"}},
    )

    assert refused.status == 422
    assert refused.problem_fields == ["severity_mapping"]
    assert table.items() == before
