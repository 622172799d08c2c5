"""Every incident answer says who filed it: the API key (its id and name), the integration whose receiver got
the alert, or the Slack user (tests/integration/test_slack.py)."""

from flare.incidents.models import Incident
from tests.support import key_id
from tests.support.invoking import invoke
from tests.support.receivers import (
    AM_FIRING,
    connect,
    deliver,
)


def test_an_incident_filed_with_an_api_key_names_the_key(org):
    named = invoke("create_api_key", org.api_key, body={"name": "deploy bot", "scopes": ["write:incidents"]}).body

    created = invoke("create_incident", named["key"], body={"title": "Deploy failed"})

    expected = {"type": "api_key", "id": named["id"], "name": "deploy bot"}
    assert created.status == 201, created.body
    assert created.body["created_by"] == expected
    assert (
        invoke("get_incident", org.api_key, path_params={"incident_id": created.body["id"]}).body["created_by"]
        == expected
    )
    (listed,) = invoke("list_incidents", org.api_key, query={}).body["incidents"]
    assert listed["created_by"] == expected


def test_an_incident_opened_by_a_receiver_names_the_integration(org):
    hook = connect(org, "alertmanager", name="prod alertmanager")

    opened = deliver(hook, AM_FIRING, org.api_key).body

    incident = invoke("get_incident", org.api_key, path_params={"incident_id": opened["incident_id"]}).body
    assert incident["created_by"] == {"type": "integration", "id": hook["id"], "name": "prod alertmanager"}


def test_an_incident_from_a_metric_names_the_key_that_called(org):
    service = invoke("create_service", org.api_key, body={"name": "Checkout"}).body
    metric = invoke("create_metric", org.api_key, body={"name": "p99", "service_id": service["id"]}).body

    opened = invoke("create_incident_from_metric", org.api_key, path_params={"metric_id": metric["id"]}, body=None)

    assert opened.body["created_by"] == {
        "type": "api_key",
        "id": key_id(org.api_key),
        "name": "acme bootstrap admin key",
    }


def test_incidents_stored_before_actors_were_recorded_still_say_who_filed_them():
    stored = {
        "id": "inc_01KAQ60000000000000000000A",
        "org_id": "org_01KAQ5Z3C4B5N6P7Q8R9S0T1V2",
        "title": "Old",
        "description": "",
        "severity": "minor",
        "status": "investigating",
        "published": False,
        "affected_services": [],
        "tags": [],
        "metadata": {},
        "created_at": "2026-01-01T00:00:00.000Z",
        "updated_at": "2026-01-01T00:00:00.000Z",
        "started_at": "2026-01-01T00:00:00.000Z",
    }

    by_key = Incident.model_validate(stored | {"created_by": "key_01KAQ5Z3C4B5N6P7Q8R9S0T1V3"})
    by_slack = Incident.model_validate(stored | {"created_by": "slack:U0ALICE001"})

    assert (by_key.created_by.type, by_key.created_by.id) == ("api_key", "key_01KAQ5Z3C4B5N6P7Q8R9S0T1V3")
    assert (by_slack.created_by.type, by_slack.created_by.id) == ("slack_user", "U0ALICE001")
