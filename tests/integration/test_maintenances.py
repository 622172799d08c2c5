"""Maintenances through the handlers: create, get, list (filters, paging), PATCH per status, the manual
actions and their refusals, the timeline, scopes, tenants, and the service status they put services in."""

import re
from datetime import UTC, datetime

import pytest

from tests.support import key_id, new_service, scoped_key, service_of, tick_clock
from tests.support.invoking import invoke

ID = re.compile(r"^mnt_[0-9A-HJKMNP-TV-Z]{26}$")
T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
START = "2030-01-01T00:00:00Z"
END = "2030-01-01T01:00:00Z"
ACTIONS = {"start": "start_maintenance", "complete": "complete_maintenance", "cancel": "cancel_maintenance"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def create(org, api_key: str | None = None, **fields):
    body = {"title": "Database upgrade", "scheduled_start_at": START, "scheduled_end_at": END, **fields}
    return invoke("create_maintenance", api_key or org.api_key, body=body)


def new(org, **fields) -> dict:
    reply = create(org, **fields)
    assert reply.status == 201, reply.body
    return reply.body


def get(org, maintenance_id: str, api_key: str | None = None):
    return invoke("get_maintenance", api_key or org.api_key, path_params={"maintenance_id": maintenance_id})


def got(org, maintenance_id: str) -> dict:
    reply = get(org, maintenance_id)
    assert reply.status == 200, reply.body
    return reply.body


def listing(org, api_key: str | None = None, **query):
    return invoke("list_maintenances", api_key or org.api_key, query=query)


def listed(org, **query) -> list[str]:
    reply = listing(org, **query)
    assert reply.status == 200, reply.body
    return [item["id"] for item in reply.body["maintenances"]]


def patch(org, maintenance_id: str, body: dict, api_key: str | None = None, **headers: str):
    return invoke(
        "update_maintenance",
        api_key or org.api_key,
        path_params={"maintenance_id": maintenance_id},
        body=body,
        headers=headers or None,
    )


def act(org, action: str, maintenance_id: str, message: str | None = None, api_key: str | None = None, **headers):
    return invoke(
        ACTIONS[action],
        api_key or org.api_key,
        path_params={"maintenance_id": maintenance_id},
        body={"message": message} if message is not None else None,
        headers=headers or None,
    )


def done(org, action: str, maintenance_id: str, message: str | None = None) -> dict:
    reply = act(org, action, maintenance_id, message)
    assert reply.status == 200, reply.body
    return reply.body


def maintenance_items(table) -> list[dict]:
    return [item for item in table.items() if "#MNT#" in item["PK"]["S"]]


# ---- create -------------------------------------------------------------------------------------------------


def test_create_answers_201_with_location_etag_and_a_scheduled_timeline_entry(org):
    tick_clock()
    payments = new_service(org, "Payments")
    reply = create(org, description="Postgres 16 to 17", affected_services=[payments])
    assert reply.status == 201, reply.body
    body = reply.body
    assert ID.match(body["id"])
    assert reply.headers["Location"] == f"/api/v1/maintenances/{body['id']}"
    assert reply.headers["ETag"] == '"1"'
    assert body["title"] == "Database upgrade"
    assert body["description"] == "Postgres 16 to 17"
    assert body["status"] == "scheduled"
    assert at(body["scheduled_start_at"]) == at(START)
    assert at(body["scheduled_end_at"]) == at(END)
    assert body["auto_start"] is True and body["auto_complete"] is True
    assert body["affected_services"] == [{"id": payments, "name": "Payments", "status": "operational"}]
    assert body["started_at"] is None and body["completed_at"] is None and body["cancelled_at"] is None
    assert body["version"] == 1
    assert body["created_at"].endswith("Z") and body["updated_at"] == body["created_at"]
    (entry,) = body["timeline"]
    assert entry["type"] == "scheduled"
    assert entry["actor"] == key_id(org.api_key)
    assert entry["created_at"] == body["created_at"]
    assert entry["scheduled_for"] is None

    assert got(org, body["id"]) == body
    assert get(org, body["id"]).headers["ETag"] == '"1"'
    # A scheduled maintenance affects nothing yet.
    assert service_of(org, payments)["status"] == "operational"


def test_auto_flags_can_be_turned_off(org):
    body = new(org, auto_start=False, auto_complete=False)
    assert (body["auto_start"], body["auto_complete"]) == (False, False)


@pytest.mark.parametrize("end", [START, "2029-12-31T23:59:59Z"])
def test_end_not_after_start_is_a_422_naming_scheduled_end_at(org, table, end):
    reply = create(org, scheduled_end_at=end)
    assert reply.status == 422, reply.body
    assert reply.problem_fields == ["scheduled_end_at"]
    assert "after scheduled_start_at" in reply.body["errors"][0]["message"]
    assert maintenance_items(table) == []


@pytest.mark.parametrize("field", ["scheduled_start_at", "scheduled_end_at"])
def test_a_naive_timestamp_is_a_422(org, table, field):
    reply = create(org, **{field: "2030-01-01T00:30:00"})
    assert reply.status == 422, reply.body
    assert field in reply.problem_fields
    assert maintenance_items(table) == []


def test_offsets_are_normalised_to_utc_with_z(org):
    body = new(org, scheduled_start_at="2030-01-01T02:00:00+02:00", scheduled_end_at="2029-12-31T20:00:00-05:00")
    assert body["scheduled_start_at"].endswith("Z") and body["scheduled_end_at"].endswith("Z")
    assert at(body["scheduled_start_at"]) == datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
    assert at(body["scheduled_end_at"]) == datetime(2030, 1, 1, 1, 0, tzinfo=UTC)
    assert got(org, body["id"])["scheduled_start_at"] == body["scheduled_start_at"]


def test_an_unknown_service_is_a_422_and_nothing_is_written(org, table):
    payments = new_service(org, "Payments")
    before = table.items()
    unknown = "svc_01KAQ60000000000000000000Z"
    reply = create(org, affected_services=[payments, unknown])
    assert reply.status == 422, reply.body
    assert reply.problem_fields == ["affected_services"]
    assert unknown in reply.body["errors"][0]["message"]
    assert table.items() == before


def test_another_organisations_service_is_unknown(org, other_org, table):
    theirs = new_service(other_org, "Theirs")
    reply = create(org, affected_services=[theirs])
    assert reply.status == 422, reply.body
    assert maintenance_items(table) == []


def test_unknown_fields_are_a_422(org, table):
    reply = create(org, auto_stop=True)
    assert reply.status == 422, reply.body
    assert maintenance_items(table) == []


def test_idempotency_key_on_create_replays_the_first_response(org, table):
    key = {"Idempotency-Key": "window-2030-01"}
    body = {"title": "Database upgrade", "scheduled_start_at": START, "scheduled_end_at": END}
    first = invoke("create_maintenance", org.api_key, body=body, headers=key)
    again = invoke("create_maintenance", org.api_key, body=body, headers=key)
    assert first.status == 201, first.body
    assert again.status == 201, again.body
    assert again.body == first.body
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len([item for item in maintenance_items(table) if item["SK"]["S"] == "MAINTENANCE"]) == 1

    other = invoke("create_maintenance", org.api_key, body=body | {"title": "Other"}, headers=key)
    assert other.status == 422, other.body
    assert other.problem_fields == ["Idempotency-Key"]


# ---- scopes and tenants -------------------------------------------------------------------------------------


def test_a_write_incidents_key_cannot_write_maintenances(org, table):
    maintenance = new(org)
    writer = scoped_key(org, "write:incidents")
    assert create(org, api_key=writer).status == 403
    assert patch(org, maintenance["id"], {"title": "x"}, api_key=writer).status == 403
    for action in ACTIONS:
        assert act(org, action, maintenance["id"], api_key=writer).status == 403
    assert got(org, maintenance["id"]) == maintenance


def test_a_read_key_can_get_and_list_but_not_write(org):
    maintenance = new(org)
    reader = scoped_key(org, "read:incidents")
    assert get(org, maintenance["id"], api_key=reader).body == maintenance
    reply = listing(org, api_key=reader)
    assert reply.status == 200, reply.body
    assert [item["id"] for item in reply.body["maintenances"]] == [maintenance["id"]]
    assert create(org, api_key=reader).status == 403
    assert act(org, "start", maintenance["id"], api_key=reader).status == 403


def test_a_write_maintenances_key_can_read_and_write(org):
    writer = scoped_key(org, "write:maintenances")
    reply = create(org, api_key=writer)
    assert reply.status == 201, reply.body
    assert reply.body["timeline"][0]["actor"] == key_id(writer)
    assert get(org, reply.body["id"], api_key=writer).status == 200
    started = act(org, "start", reply.body["id"], api_key=writer)
    assert started.status == 200, started.body
    assert started.body["timeline"][0]["actor"] == key_id(writer)


def test_another_organisations_maintenance_is_not_found(org, other_org):
    maintenance = new(org)
    assert get(other_org, maintenance["id"]).status == 404
    assert patch(other_org, maintenance["id"], {"title": "Hijacked"}).status == 404
    for action in ACTIONS:
        reply = act(other_org, action, maintenance["id"])
        assert reply.status == 404, reply.body
    assert listed(other_org) == []
    assert got(org, maintenance["id"]) == maintenance


@pytest.mark.parametrize("maintenance_id", ["mnt_01KAQ60000000000000000000Z", "nope", "inc_01KAQ60000000000000000000Z"])
def test_unknown_or_malformed_ids_are_404(org, maintenance_id):
    assert get(org, maintenance_id).status == 404
    assert patch(org, maintenance_id, {"title": "x"}).status == 404
    assert act(org, "start", maintenance_id).status == 404


# ---- get and list -------------------------------------------------------------------------------------------


def test_get_shows_the_timeline_newest_first(org):
    tick_clock()
    maintenance = new(org)
    patch(org, maintenance["id"], {"title": "Database upgrade (v17)"})
    done(org, "start", maintenance["id"], "Starting")
    done(org, "complete", maintenance["id"], "Done")
    timeline = got(org, maintenance["id"])["timeline"]
    assert [entry["type"] for entry in timeline] == ["completed", "started", "updated", "scheduled"]
    assert [entry["message"] for entry in timeline[:2]] == ["Done", "Starting"]
    stamps = [entry["created_at"] for entry in timeline]
    assert stamps == sorted(stamps, reverse=True)


def test_list_is_newest_first_and_filters_by_status(org):
    tick_clock()
    scheduled, started, completed, cancelled = (new(org, title=f"#{n}")["id"] for n in range(4))
    done(org, "start", started)
    done(org, "start", completed)
    done(org, "complete", completed)
    done(org, "cancel", cancelled)

    assert listed(org) == [cancelled, completed, started, scheduled]
    assert listed(org, status="scheduled") == [scheduled]
    assert listed(org, status="in_progress") == [started]
    assert listed(org, status=["completed", "cancelled"]) == [cancelled, completed]
    assert listed(org, status=["scheduled", "in_progress", "scheduled"]) == [started, scheduled]
    bad = listing(org, status="done")
    assert bad.status == 422, bad.body


def test_list_items_are_summaries(org):
    payments = new_service(org, "Payments")
    maintenance = new(org, affected_services=[payments])
    reply = listing(org)
    assert reply.status == 200, reply.body
    (item,) = reply.body["maintenances"]
    assert "timeline" not in item
    assert item == {name: value for name, value in maintenance.items() if name != "timeline"}
    assert reply.body["next_cursor"] is None


def test_list_filters_by_service(org):
    tick_clock()
    payments, search = new_service(org, "Payments"), new_service(org, "Search")
    both = new(org, affected_services=[payments, search])["id"]
    only_search = new(org, affected_services=[search])["id"]
    neither = new(org)["id"]
    assert listed(org, service=payments) == [both]
    assert listed(org, service=search) == [only_search, both]
    assert listed(org, service="svc_01KAQ60000000000000000000Z") == []
    assert neither in listed(org)


def test_list_filters_by_scheduled_start(org):
    tick_clock()
    january = new(org, scheduled_start_at="2030-01-01T00:00:00Z", scheduled_end_at="2030-01-01T01:00:00Z")["id"]
    february = new(org, scheduled_start_at="2030-02-01T00:00:00Z", scheduled_end_at="2030-02-01T01:00:00Z")["id"]
    march = new(org, scheduled_start_at="2030-03-01T00:00:00+01:00", scheduled_end_at="2030-03-01T01:00:00Z")["id"]

    assert listed(org, starts_after="2030-01-15T00:00:00Z") == [march, february]
    assert listed(org, starts_before="2030-01-15T00:00:00Z") == [january]
    assert listed(org, starts_after="2030-01-15T00:00:00Z", starts_before="2030-02-15T00:00:00Z") == [february]
    # Both bounds are inclusive, and offsets count.
    assert listed(org, starts_after="2030-02-01T00:00:00Z", starts_before="2030-02-01T00:00:00Z") == [february]
    assert listed(org, starts_after="2030-02-28T23:00:00Z", starts_before="2030-02-28T23:00:00Z") == [march]
    assert listed(org, starts_after="2030-02-01T01:00:00+01:00") == [march, february]
    assert listing(org, starts_after="2030-01-15T00:00:00").status == 422


def test_list_pages_with_a_cursor_bound_to_the_query(org):
    tick_clock()
    ids = [new(org, title=f"#{n}")["id"] for n in range(5)]
    cancelled = [ids[0], ids[2], ids[4]]
    for maintenance_id in cancelled:
        done(org, "cancel", maintenance_id)

    seen, cursor = [], None
    while True:
        reply = listing(org, limit="2", **({"cursor": cursor} if cursor else {}))
        assert reply.status == 200, reply.body
        assert len(reply.body["maintenances"]) <= 2
        seen += [item["id"] for item in reply.body["maintenances"]]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))

    first = listing(org, limit="1", status="cancelled")
    assert [item["id"] for item in first.body["maintenances"]] == [ids[4]]
    cursor = first.body["next_cursor"]
    second = listing(org, limit="1", status="cancelled", cursor=cursor)
    assert [item["id"] for item in second.body["maintenances"]] == [ids[2]]
    # A cursor belongs to its query.
    assert listing(org, limit="1", status="scheduled", cursor=cursor).status == 400
    assert listing(org, limit="1", cursor=cursor).status == 400
    assert listing(org, limit="1", status="cancelled", cursor=cursor[:-2] + "xx").status == 400


def test_list_limit_bounds(org):
    assert listing(org, limit="0").status == 422
    assert listing(org, limit="101").status == 422
    assert listing(org, limit="100").status == 200


# ---- PATCH --------------------------------------------------------------------------------------------------


def test_everything_can_change_while_scheduled(org):
    tick_clock()
    payments, search = new_service(org, "Payments"), new_service(org, "Search")
    maintenance = new(org, affected_services=[payments])
    reply = patch(
        org,
        maintenance["id"],
        {
            "title": "Database upgrade, take two",
            "description": "Postgres 17",
            "affected_services": [search],
            "scheduled_start_at": "2030-02-01T00:00:00Z",
            "scheduled_end_at": "2030-02-01T02:00:00+01:00",
            "auto_start": False,
            "auto_complete": False,
        },
    )
    assert reply.status == 200, reply.body
    body = reply.body
    assert reply.headers["ETag"] == '"2"'
    assert body["version"] == 2
    assert body["title"] == "Database upgrade, take two"
    assert body["description"] == "Postgres 17"
    assert [item["id"] for item in body["affected_services"]] == [search]
    assert at(body["scheduled_start_at"]) == datetime(2030, 2, 1, tzinfo=UTC)
    assert at(body["scheduled_end_at"]) == datetime(2030, 2, 1, 1, tzinfo=UTC)
    assert (body["auto_start"], body["auto_complete"]) == (False, False)
    assert body["updated_at"] > body["created_at"]
    assert [entry["type"] for entry in body["timeline"]] == ["updated", "scheduled"]
    assert body["timeline"][0]["actor"] == key_id(org.api_key)
    assert got(org, maintenance["id"]) == body


def test_a_patch_that_changes_nothing_writes_nothing(org):
    maintenance = new(org)
    reply = patch(org, maintenance["id"], {"title": "Database upgrade", "scheduled_start_at": START})
    assert reply.status == 200, reply.body
    assert reply.body == maintenance


def test_patch_checks_the_window_and_the_services(org, table):
    maintenance = new(org)
    reply = patch(org, maintenance["id"], {"scheduled_start_at": END})
    assert reply.status == 422, reply.body
    assert reply.problem_fields == ["scheduled_end_at"]
    reply = patch(org, maintenance["id"], {"scheduled_start_at": "2030-01-01T00:30:00Z", "scheduled_end_at": START})
    assert reply.status == 422, reply.body
    reply = patch(org, maintenance["id"], {"affected_services": ["svc_01KAQ60000000000000000000Z"]})
    assert reply.status == 422, reply.body
    assert reply.problem_fields == ["affected_services"]
    assert patch(org, maintenance["id"], {"title": None}).status == 422
    assert patch(org, maintenance["id"], {"scheduled_end_at": "2030-01-01T03:00:00"}).status == 422
    assert got(org, maintenance["id"]) == maintenance


def test_only_the_end_can_change_while_in_progress(org):
    maintenance = new(org)
    started = done(org, "start", maintenance["id"])
    reply = patch(org, maintenance["id"], {"scheduled_end_at": "2030-01-01T03:00:00Z"})
    assert reply.status == 200, reply.body
    assert at(reply.body["scheduled_end_at"]) == datetime(2030, 1, 1, 3, tzinfo=UTC)
    assert reply.body["status"] == "in_progress"
    assert reply.body["version"] == started["version"] + 1

    for body in (
        {"title": "Renamed"},
        {"scheduled_start_at": "2029-12-31T00:00:00Z"},
        {"auto_complete": False},
        {"affected_services": ["svc_01KAQ60000000000000000000Z"]},
        {"description": "x", "scheduled_end_at": "2030-01-01T04:00:00Z"},
    ):
        refused = patch(org, maintenance["id"], body)
        assert refused.status == 409, (body, refused.body)
        assert "in_progress" in refused.body["detail"]
    # An end before the start is still a 422.
    assert patch(org, maintenance["id"], {"scheduled_end_at": "2029-12-31T00:00:00Z"}).status == 422
    assert got(org, maintenance["id"]) == reply.body


@pytest.mark.parametrize("finish", ["complete", "cancel"])
def test_nothing_can_change_once_finished(org, finish):
    maintenance = new(org)
    if finish == "complete":
        done(org, "start", maintenance["id"])
    finished = done(org, finish, maintenance["id"])
    status = finished["status"]
    for body in ({"title": "Renamed"}, {"scheduled_end_at": "2030-01-01T03:00:00Z"}):
        reply = patch(org, maintenance["id"], body)
        assert reply.status == 409, reply.body
        assert reply.body["status"] == 409
        assert status in reply.body["detail"]
        assert reply.headers["Content-Type"] == "application/problem+json"
    assert got(org, maintenance["id"]) == finished


def test_if_match(org):
    maintenance = new(org)
    assert patch(org, maintenance["id"], {"title": "v2"}, **{"If-Match": '"1"'}).status == 200
    stale = patch(org, maintenance["id"], {"title": "v3"}, **{"If-Match": '"1"'})
    assert stale.status == 412, stale.body
    assert got(org, maintenance["id"])["title"] == "v2"
    assert patch(org, maintenance["id"], {"title": "v3"}, **{"If-Match": 'W/"2"'}).status == 200
    assert patch(org, maintenance["id"], {"title": "v4"}, **{"If-Match": "*"}).status == 200
    # A transition bumps the version too.
    done(org, "start", maintenance["id"])
    assert patch(org, maintenance["id"], {"scheduled_end_at": END}, **{"If-Match": '"4"'}).status == 412


# ---- actions ------------------------------------------------------------------------------------------------


def test_start_then_complete_by_hand(org):
    times = tick_clock()
    maintenance = new(org)
    reply = act(org, "start", maintenance["id"], "Starting early, traffic is low.")
    assert reply.status == 200, reply.body
    assert reply.headers["ETag"] == '"2"'
    started = reply.body
    assert started["status"] == "in_progress"
    assert started["version"] == 2
    assert at(started["started_at"]) == times[-1]
    assert started["updated_at"] == started["started_at"]
    entry = started["timeline"][0]
    assert entry["type"] == "started"
    assert entry["actor"] == key_id(org.api_key)
    assert entry["message"] == "Starting early, traffic is low."
    assert entry["created_at"] == started["started_at"]
    assert entry["scheduled_for"] is None
    assert got(org, maintenance["id"]) == started

    completed = done(org, "complete", maintenance["id"])
    assert completed["status"] == "completed"
    assert at(completed["completed_at"]) == times[-1]
    assert completed["started_at"] == started["started_at"]
    assert completed["completed_at"] > completed["started_at"]
    assert completed["cancelled_at"] is None
    entry = completed["timeline"][0]
    assert (entry["type"], entry["actor"], entry["message"]) == ("completed", key_id(org.api_key), None)
    assert entry["created_at"] == completed["completed_at"]
    assert [entry["type"] for entry in completed["timeline"]] == ["completed", "started", "scheduled"]
    assert got(org, maintenance["id"]) == completed


def test_cancel_before_start(org):
    times = tick_clock()
    maintenance = new(org)
    cancelled = done(org, "cancel", maintenance["id"], "Postponed.")
    assert cancelled["status"] == "cancelled"
    assert at(cancelled["cancelled_at"]) == times[-1]
    assert cancelled["started_at"] is None and cancelled["completed_at"] is None
    entry = cancelled["timeline"][0]
    assert (entry["type"], entry["actor"], entry["message"]) == ("cancelled", key_id(org.api_key), "Postponed.")
    assert entry["created_at"] == cancelled["cancelled_at"]


def in_status(org, status: str) -> str:
    maintenance_id = new(org)["id"]
    if status in ("in_progress", "completed"):
        done(org, "start", maintenance_id)
    if status == "completed":
        done(org, "complete", maintenance_id)
    if status == "cancelled":
        done(org, "cancel", maintenance_id)
    return maintenance_id


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("start", "in_progress"),
        ("start", "completed"),
        ("start", "cancelled"),
        ("complete", "scheduled"),
        ("complete", "completed"),
        ("complete", "cancelled"),
        ("cancel", "in_progress"),
        ("cancel", "completed"),
        ("cancel", "cancelled"),
    ],
)
def test_a_refused_action_is_a_409_naming_the_current_status(org, action, status):
    maintenance_id = in_status(org, status)
    before = got(org, maintenance_id)
    reply = act(org, action, maintenance_id, "try")
    assert reply.status == 409, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert reply.body["status"] == 409
    assert f"that is {status}" in reply.body["detail"]
    if (action, status) == ("cancel", "in_progress"):
        assert "complete it" in reply.body["detail"]
    assert got(org, maintenance_id) == before


def test_an_action_with_an_empty_or_bad_message(org):
    maintenance = new(org)
    assert act(org, "start", maintenance["id"], "   ").status == 422
    reply = invoke(
        "start_maintenance", org.api_key, path_params={"maintenance_id": maintenance["id"]}, body={"msg": "x"}
    )
    assert reply.status == 422, reply.body
    assert got(org, maintenance["id"])["status"] == "scheduled"
    assert done(org, "start", maintenance["id"])["timeline"][0]["message"] is None


def test_an_action_replays_with_its_idempotency_key(org):
    maintenance = new(org)
    first = act(org, "start", maintenance["id"], "go", **{"Idempotency-Key": "start-1"})
    again = act(org, "start", maintenance["id"], "go", **{"Idempotency-Key": "start-1"})
    assert (first.status, again.status) == (200, 200)
    assert again.body == first.body
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert [entry["type"] for entry in got(org, maintenance["id"])["timeline"]] == ["started", "scheduled"]
    # Without the key, a repeat is refused.
    assert act(org, "start", maintenance["id"], "go").status == 409


# ---- service status -----------------------------------------------------------------------------------------


def incident(org, **fields) -> dict:
    reply = invoke("create_incident", org.api_key, body={"title": "Checkout is down", "publish": True, **fields})
    assert reply.status == 201, reply.body
    return reply.body


def incident_rollup(org, incident_id: str) -> dict[str, str]:
    reply = invoke("get_incident", org.api_key, path_params={"incident_id": incident_id})
    assert reply.status == 200, reply.body
    return {item["id"]: item["status"] for item in reply.body["affected_services"]}


def test_services_are_under_maintenance_while_it_is_in_progress(org):
    payments, search, other = new_service(org, "Payments"), new_service(org, "Search"), new_service(org, "Other")
    maintenance = new(org, affected_services=[payments, search])
    watched = incident(org, severity="maintenance", affected_services=[other])  # unrelated
    draft = invoke("create_incident", org.api_key, body={"title": "Draft", "affected_services": [payments]}).body
    assert service_of(org, payments)["status"] == "operational"

    started = done(org, "start", maintenance["id"])
    assert {item["status"] for item in started["affected_services"]} == {"under_maintenance"}
    for service_id in (payments, search):
        status = service_of(org, service_id)
        assert status["status"] == "under_maintenance"
        assert status["active_maintenances"] == [maintenance["id"]]
        assert status["active_incidents"] == []
    listed_services = invoke("list_services", org.api_key, query={}).body["services"]
    assert {item["id"]: item["status"] for item in listed_services} == {
        payments: "under_maintenance",
        search: "under_maintenance",
        other: "under_maintenance",
    }
    assert incident_rollup(org, draft["id"]) == {payments: "under_maintenance"}
    assert incident_rollup(org, watched["id"]) == {other: "under_maintenance"}
    assert [item["status"] for item in listing(org).body["maintenances"][0]["affected_services"]] == [
        "under_maintenance",
        "under_maintenance",
    ]

    completed = done(org, "complete", maintenance["id"])
    assert {item["status"] for item in completed["affected_services"]} == {"operational"}
    for service_id in (payments, search):
        status = service_of(org, service_id)
        assert status["status"] == "operational"
        assert status["active_maintenances"] == []
    assert incident_rollup(org, draft["id"]) == {payments: "operational"}


def test_a_worse_active_incident_wins_over_a_maintenance(org):
    payments, search = new_service(org, "Payments"), new_service(org, "Search")
    maintenance = new(org, affected_services=[payments, search])
    done(org, "start", maintenance["id"])
    outage = incident(org, severity="critical", affected_services=[payments])
    minor = incident(org, severity="low", affected_services=[search])

    assert service_of(org, payments)["status"] == "major_outage"
    assert service_of(org, search)["status"] == "degraded_performance"
    assert incident_rollup(org, outage["id"]) == {payments: "major_outage"}
    assert {item["id"]: item["status"] for item in got(org, maintenance["id"])["affected_services"]} == {
        payments: "major_outage",
        search: "degraded_performance",
    }

    resolved = invoke("resolve_incident", org.api_key, path_params={"incident_id": outage["id"]}, body={})
    assert resolved.status == 200, resolved.body
    assert service_of(org, payments)["status"] == "under_maintenance"

    done(org, "complete", maintenance["id"])
    assert service_of(org, payments)["status"] == "operational"
    assert service_of(org, search)["status"] == "degraded_performance"
    assert incident_rollup(org, minor["id"]) == {search: "degraded_performance"}


def test_a_cancelled_maintenance_never_touches_its_services(org, table):
    payments = new_service(org, "Payments")
    maintenance = new(org, affected_services=[payments])
    done(org, "cancel", maintenance["id"])
    assert service_of(org, payments)["status"] == "operational"
    (item,) = [item for item in table.items() if item["SK"]["S"] == "SERVICE"]
    assert item.get("impacts", {"M": {}}) == {"M": {}}


def test_a_service_under_maintenance_cannot_be_deleted_until_it_completes(org):
    payments = new_service(org, "Payments")
    maintenance = new(org, affected_services=[payments])
    done(org, "start", maintenance["id"])
    reply = invoke("delete_service", org.api_key, path_params={"service_id": payments})
    assert reply.status == 409, reply.body
    # It names what blocks it: the maintenance, not "active incidents" it does not have.
    assert f"maintenances in progress ({maintenance['id']})" in reply.body["detail"]
    assert "incident" not in reply.body["detail"]
    done(org, "complete", maintenance["id"])
    assert invoke("delete_service", org.api_key, path_params={"service_id": payments}).status == 204
    shown = got(org, maintenance["id"])["affected_services"]
    assert shown == [{"id": payments, "name": None, "status": "unknown"}]


def test_starting_by_hand_after_its_service_was_deleted_is_a_409(org):
    payments = new_service(org, "Payments")
    maintenance = new(org, affected_services=[payments])
    assert invoke("delete_service", org.api_key, path_params={"service_id": payments}).status == 204
    reply = act(org, "start", maintenance["id"])
    assert reply.status == 409, reply.body
    assert payments in reply.body["detail"]
    assert got(org, maintenance["id"])["status"] == "scheduled"
    # Removing the service from it lets it start.
    assert patch(org, maintenance["id"], {"affected_services": []}).status == 200
    assert done(org, "start", maintenance["id"])["status"] == "in_progress"
