"""Metrics through the handlers (CRUD, validation, tenants, scopes) and the draft incidents filed from them
(POST /incidents/from-metric/{id}: the 30-minute window, resolution, races)."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from flare import clock
from flare.catalog import metrics
from flare.incidents import use_cases as incidents
from tests.support import caller_of, incident_items, new_service, race, scoped_key, tick_clock
from tests.support.invoking import invoke

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=30)
UNKNOWN_SERVICE = "svc_01KAQ60000000000000000000S"
UNKNOWN_METRIC = "met_01KAQ60000000000000000000M"


@pytest.fixture
def at():
    """Set the clock to a fixed instant (at(T0 + ...)); the wall clock comes back afterwards."""
    yield lambda when: clock.set_clock(lambda: when)
    clock.set_clock(None)


def create_metric(key: str, **fields):
    return invoke("create_metric", key, body=fields)


def new_metric(org, service_id: str, name: str = "p99 latency", **fields) -> dict:
    reply = create_metric(org.api_key, name=name, service_id=service_id, **fields)
    assert reply.status == 201, reply.body
    return reply.body


def get_metric(key: str, metric_id: str):
    return invoke("get_metric", key, path_params={"metric_id": metric_id})


def patch_metric(key: str, metric_id: str, body: dict, **headers: str):
    return invoke("update_metric", key, path_params={"metric_id": metric_id}, body=body, headers=headers or None)


def delete_metric(key: str, metric_id: str):
    return invoke("delete_metric", key, path_params={"metric_id": metric_id})


def listed(key: str, **query) -> list[str]:
    reply = invoke("list_metrics", key, query=query)
    assert reply.status == 200, reply.body
    return [metric["id"] for metric in reply.body["metrics"]]


def from_metric(key: str, metric_id: str, **headers: str):
    return invoke("create_incident_from_metric", key, path_params={"metric_id": metric_id}, headers=headers or None)


def get_incident(org, incident_id: str) -> dict:
    reply = invoke("get_incident", org.api_key, path_params={"incident_id": incident_id})
    assert reply.status == 200, reply.body
    return reply.body


@pytest.fixture
def service_id(org) -> str:
    return new_service(org)


@pytest.fixture
def metric(org, service_id) -> dict:
    return new_metric(org, service_id, description="Checkout p99 above 2 s", severity="major")


# ---- CRUD -------------------------------------------------------------------------------------------------


def test_metric_crud(org, service_id):
    created = create_metric(org.api_key, name="Error rate", service_id=service_id)
    assert created.status == 201, created.body
    metric = created.body
    assert re.match(r"^met_[0-9A-HJKMNP-TV-Z]{26}$", metric["id"])
    assert created.headers["Location"] == f"/api/v1/metrics/{metric['id']}"
    assert created.headers["ETag"] == '"1"'
    assert metric["name"] == "Error rate"
    assert metric["service_id"] == service_id
    assert (metric["description"], metric["severity"], metric["version"]) == ("", "minor", 1)

    got = get_metric(org.api_key, metric["id"])
    assert (got.status, got.body, got.headers["ETag"]) == (200, metric, '"1"')

    patched = patch_metric(org.api_key, metric["id"], {"name": "5xx rate", "severity": "P1"})
    assert patched.status == 200, patched.body
    assert (patched.body["name"], patched.body["severity"], patched.body["version"]) == ("5xx rate", "critical", 2)
    assert patched.headers["ETag"] == '"2"'
    assert get_metric(org.api_key, metric["id"]).body == patched.body

    assert delete_metric(org.api_key, metric["id"]).status == 204
    assert get_metric(org.api_key, metric["id"]).status == 404
    assert listed(org.api_key) == []
    assert delete_metric(org.api_key, metric["id"]).status == 404


@pytest.mark.parametrize(
    ("alias", "severity"), [("P1", "critical"), ("sev2", "major"), ("Sev 3", "minor"), (4, "low"), ("DOWN", "critical")]
)
def test_severity_aliases_are_accepted(org, service_id, alias, severity):
    assert new_metric(org, service_id, severity=alias)["severity"] == severity


def test_patch_moves_a_metric_to_another_service(org, metric):
    search = new_service(org, "Search")
    moved = patch_metric(org.api_key, metric["id"], {"service_id": search})
    assert (moved.status, moved.body["service_id"]) == (200, search)


def test_a_patch_that_changes_nothing_keeps_the_version(org, metric):
    same = patch_metric(org.api_key, metric["id"], {"name": metric["name"]})
    assert (same.status, same.body) == (200, metric)


def test_a_stale_if_match_is_412_and_changes_nothing(org, metric, table):
    before = table.items()
    stale = patch_metric(org.api_key, metric["id"], {"name": "Other"}, **{"If-Match": '"7"'})
    assert stale.status == 412
    assert table.items() == before

    current = patch_metric(org.api_key, metric["id"], {"name": "Other"}, **{"If-Match": '"1"'})
    assert (current.status, current.body["name"]) == (200, "Other")


def test_metrics_are_listed_newest_first(org):
    tick_clock()
    checkout = new_service(org, "Checkout")
    ids = [new_metric(org, checkout, f"metric {n}")["id"] for n in range(3)]
    assert listed(org.api_key) == ids[::-1]


def test_metrics_are_filtered_by_service_and_paged(org):
    tick_clock()
    checkout, search = new_service(org, "Checkout"), new_service(org, "Search")
    mine = []
    for n in range(5):
        mine.append(new_metric(org, checkout, f"checkout {n}")["id"])
        new_metric(org, search, f"search {n}")

    assert listed(org.api_key, service_id=checkout) == mine[::-1]

    seen, cursor = [], None
    for _ in range(10):
        query = {"service_id": checkout, "limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = invoke("list_metrics", org.api_key, query=query)
        assert page.status == 200, page.body
        seen += [item["id"] for item in page.body["metrics"]]
        cursor = page.body["next_cursor"]
        if cursor is None:
            break
    assert seen == mine[::-1]


def test_deleting_a_metric_keeps_its_incidents(org, metric):
    incident = from_metric(org.api_key, metric["id"]).body
    assert delete_metric(org.api_key, metric["id"]).status == 204
    assert get_incident(org, incident["id"])["source"] == "metric"


# ---- validation: a problem naming the field, nothing written -----------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"service_id": "<svc>"}, "name"),
        ({"name": "", "service_id": "<svc>"}, "name"),
        ({"name": "x" * 101, "service_id": "<svc>"}, "name"),
        ({"name": "Latency"}, "service_id"),
        ({"name": "Latency", "service_id": "svc_nope"}, "service_id"),
        ({"name": "Latency", "service_id": UNKNOWN_SERVICE}, "service_id"),
        ({"name": "Latency", "service_id": "<svc>", "severity": "urgent"}, "severity"),
        ({"name": "Latency", "service_id": "<svc>", "description": "x" * 10_001}, "description"),
        ({"name": "Latency", "service_id": "<svc>", "colour": "red"}, "colour"),
    ],
)
def test_a_bad_metric_is_refused_naming_the_field(org, service_id, table, fields, field):
    body = {name: service_id if value == "<svc>" else value for name, value in fields.items()}
    before = table.items()

    reply = create_metric(org.api_key, **body)

    assert reply.status == 422, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert field in reply.problem_fields
    assert table.items() == before


def test_a_metric_on_another_organisations_service_is_refused(org, other_org, table):
    theirs = new_service(other_org, "Their service")
    before = table.items()
    reply = create_metric(org.api_key, name="Latency", service_id=theirs)
    assert (reply.status, reply.problem_fields) == (422, ["service_id"])
    assert table.items() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"severity": None}, "severity"),
        ({"service_id": None}, "service_id"),
        ({"description": None}, "description"),
        ({"name": ""}, "name"),
        ({"severity": "urgent"}, "severity"),
        ({"service_id": UNKNOWN_SERVICE}, "service_id"),
        ({"service_id": "svc_nope"}, "service_id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_patch_is_refused_naming_the_field(org, metric, table, body, field):
    before = table.items()

    reply = patch_metric(org.api_key, metric["id"], body)

    assert reply.status == 422, reply.body
    assert field in reply.problem_fields
    assert table.items() == before


# ---- tenants and scopes -----------------------------------------------------------------------------------


def test_another_organisation_cannot_see_or_touch_a_metric(org, other_org, metric, table):
    before = table.items()
    key, metric_id = other_org.api_key, metric["id"]

    assert get_metric(key, metric_id).status == 404
    assert patch_metric(key, metric_id, {"name": "Mine now"}).status == 404
    assert delete_metric(key, metric_id).status == 404
    assert from_metric(key, metric_id).status == 404
    assert listed(key) == []
    assert table.items() == before
    assert get_metric(org.api_key, metric_id).body == metric


@pytest.mark.parametrize("metric_id", [UNKNOWN_METRIC, "met_nope", "inc_01KAQ60000000000000000000A", "%00"])
def test_unknown_or_malformed_metric_ids_are_404(org, metric_id):
    assert get_metric(org.api_key, metric_id).status == 404
    assert patch_metric(org.api_key, metric_id, {"name": "x"}).status == 404
    assert delete_metric(org.api_key, metric_id).status == 404
    assert from_metric(org.api_key, metric_id).status == 404


def test_a_read_only_key_can_list_and_get_but_not_write(org, service_id, metric, table):
    reader = scoped_key(org, "read:incidents")
    before = table.items()

    assert listed(reader) == [metric["id"]]
    assert get_metric(reader, metric["id"]).status == 200
    assert create_metric(reader, name="Latency", service_id=service_id).status == 403
    assert patch_metric(reader, metric["id"], {"name": "x"}).status == 403
    assert delete_metric(reader, metric["id"]).status == 403
    assert table.items() == before


def test_writing_metrics_needs_admin(org, service_id, metric):
    writer = scoped_key(org, "write:incidents")
    assert create_metric(writer, name="Latency", service_id=service_id).status == 403
    assert patch_metric(writer, metric["id"], {"name": "x"}).status == 403
    assert delete_metric(writer, metric["id"]).status == 403


@pytest.mark.parametrize("scopes", [["read:incidents"], ["admin"], ["write:maintenances"]])
def test_from_metric_needs_write_incidents(org, metric, table, scopes):
    key = scoped_key(org, *scopes)
    before = table.items()
    assert from_metric(key, metric["id"]).status == 403
    assert table.items() == before


def test_a_write_incidents_key_can_file_from_a_metric(org, metric):
    assert from_metric(scoped_key(org, "write:incidents"), metric["id"]).status == 201


# ---- from-metric ------------------------------------------------------------------------------------------


def test_from_metric_files_an_unpublished_draft_on_the_metrics_service(org, service_id, metric):
    reply = from_metric(org.api_key, metric["id"])

    assert reply.status == 201, reply.body
    incident = reply.body
    assert reply.headers["Location"] == f"/api/v1/incidents/{incident['id']}"
    assert (incident["title"], incident["severity"]) == ("p99 latency", "major")
    assert incident["description"] == "Checkout p99 above 2 s"
    assert (incident["lifecycle"], incident["status"], incident["published_at"]) == ("draft", "investigating", None)
    assert [service["id"] for service in incident["affected_services"]] == [service_id]
    assert (incident["source"], incident["external_id"]) == ("metric", metric["id"])
    assert incident["occurrences"] == 1
    assert get_incident(org, incident["id"]) == incident
    # A draft is not public: the service's status does not move.
    assert invoke("get_service", org.api_key, path_params={"service_id": service_id}).body["status"] == "operational"


def test_a_repeat_within_30_minutes_is_counted_on_the_same_incident(org, metric, at):
    at(T0)
    first = from_metric(org.api_key, metric["id"])
    at(T0 + WINDOW - timedelta(seconds=1))
    repeat = from_metric(org.api_key, metric["id"])

    assert (first.status, repeat.status) == (201, 200)
    assert repeat.body["id"] == first.body["id"]
    assert repeat.body["occurrences"] == 2
    assert get_incident(org, first.body["id"])["occurrences"] == 2


def test_a_call_exactly_30_minutes_after_the_first_opens_a_new_incident(org, metric, at):
    at(T0)
    first = from_metric(org.api_key, metric["id"])
    at(T0 + WINDOW)
    edge = from_metric(org.api_key, metric["id"])

    assert edge.status == 201, edge.body
    assert edge.body["id"] != first.body["id"]


def test_a_call_after_the_window_opens_a_new_incident_which_takes_the_repeats(org, metric, at):
    at(T0)
    first = from_metric(org.api_key, metric["id"])
    at(T0 + WINDOW + timedelta(milliseconds=1))
    second = from_metric(org.api_key, metric["id"])
    at(T0 + WINDOW + timedelta(minutes=1))
    repeat = from_metric(org.api_key, metric["id"])

    assert (second.status, repeat.status) == (201, 200)
    assert second.body["id"] != first.body["id"]
    assert repeat.body["id"] == second.body["id"]
    assert get_incident(org, first.body["id"])["occurrences"] == 1
    assert get_incident(org, second.body["id"])["occurrences"] == 2


def test_the_window_runs_from_the_first_call_not_the_last(org, metric, at):
    at(T0)
    first = from_metric(org.api_key, metric["id"]).body
    for minutes in (10, 20, 29):
        at(T0 + timedelta(minutes=minutes))
        assert from_metric(org.api_key, metric["id"]).body["id"] == first["id"]
    at(T0 + timedelta(minutes=31))
    later = from_metric(org.api_key, metric["id"])
    assert (later.status, later.body["id"] != first["id"]) == (201, True)


def test_once_its_incident_is_resolved_the_next_call_opens_a_new_one(org, metric, at):
    at(T0)
    first = from_metric(org.api_key, metric["id"]).body
    at(T0 + timedelta(minutes=5))
    resolved = invoke(
        "resolve_incident", org.api_key, path_params={"incident_id": first["id"]}, body={"description": "Recovered"}
    )
    assert resolved.status == 200, resolved.body
    at(T0 + timedelta(minutes=6))

    again = from_metric(org.api_key, metric["id"])

    assert again.status == 201, again.body
    assert again.body["id"] != first["id"]
    assert again.body["lifecycle"] == "draft"
    assert get_incident(org, first["id"])["status"] == "resolved"


def test_from_metric_follows_the_metrics_current_service_and_severity(org, metric):
    search = new_service(org, "Search")
    assert patch_metric(org.api_key, metric["id"], {"service_id": search, "severity": "critical"}).status == 200
    incident = from_metric(org.api_key, metric["id"]).body
    assert ([service["id"] for service in incident["affected_services"]], incident["severity"]) == (
        [search],
        "critical",
    )


def test_a_metric_whose_service_was_deleted_is_409(org, service_id, metric, table):
    assert invoke("delete_service", org.api_key, path_params={"service_id": service_id}).status == 204
    before = table.items()

    reply = from_metric(org.api_key, metric["id"])

    assert reply.status == 409, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert table.items() == before


def test_an_idempotency_key_replays_the_first_answer_without_counting_again(org, metric):
    first = from_metric(org.api_key, metric["id"], **{"Idempotency-Key": "metric-call-1"})
    again = from_metric(org.api_key, metric["id"], **{"Idempotency-Key": "metric-call-1"})

    assert (first.status, again.status) == (201, 201)
    assert again.body == first.body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert get_incident(org, first.body["id"])["occurrences"] == 1


# ---- races (through the domain layer, as in test_concurrency) ----------------------------------------------


def test_a_storm_of_calls_files_one_incident_and_counts_every_call(org, metric, table, at):
    at(T0)
    caller = caller_of(org)

    results = race(lambda _: metrics.open_incident(caller, metric["id"]))

    assert sum(created for _incident, created in results) == 1
    assert len({incident.id for incident, _created in results}) == 1
    incident_id = results[0][0].id
    assert incidents.get_incident(caller, incident_id).occurrences == len(results) == 50
    assert len(incident_items(table)) == 1


def test_a_storm_after_the_window_opens_exactly_one_new_incident(org, metric, table, at):
    caller = caller_of(org)
    at(T0)
    first, _ = metrics.open_incident(caller, metric["id"])
    at(T0 + WINDOW + timedelta(seconds=1))

    results = race(lambda _: metrics.open_incident(caller, metric["id"]))

    assert sum(created for _incident, created in results) == 1
    (new_id,) = {incident.id for incident, _created in results}
    assert new_id != first.id
    assert incidents.get_incident(caller, new_id).occurrences == 50
    assert incidents.get_incident(caller, first.id).occurrences == 1
    assert len(incident_items(table)) == 2
