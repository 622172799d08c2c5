"""Status pages through the admin API: their slug (the public address, unique across Flare), the services they
show and how, If-Match edits, and nothing written by a refused request."""

import pytest

from tests.support import new_service, race, scoped_key, tick_clock
from tests.support.invoking import invoke

UNKNOWN = "svc_01KAQ60000000000000000000Z"  # a well-formed id no organisation has


def create(org, slug: str = "acme", **fields):
    return invoke("create_status_page", org.api_key, body={"slug": slug, "name": "Acme status"} | fields)


def on(page_id: str) -> dict[str, str]:
    return {"status_page_id": page_id}


def test_status_page_crud(org):
    tick_clock()
    checkout, search = new_service(org, "Checkout"), new_service(org, "Search")
    components = [{"group": "Shop", "service_ids": [checkout, search]}]

    created = create(org, time_zone="Europe/Paris", support_url="https://help.acme.test", components=components)

    assert created.status == 201, created.body
    page = created.body
    assert created.headers["Location"] == f"/api/v1/status-pages/{page['id']}"
    assert created.headers["ETag"] == '"1"'
    assert page["slug"] == "acme" and page["time_zone"] == "Europe/Paris"
    assert page["components"] == components
    assert (page["show_uptime"], page["history_days"], page["description"]) == (True, 90, "")
    assert invoke("get_status_page", org.api_key, path_params=on(page["id"])).body == page

    edited = invoke(
        "update_status_page",
        org.api_key,
        path_params=on(page["id"]),
        body={"slug": "acme-status", "components": [{"service_ids": [search]}], "history_days": 30},
        headers={"If-Match": '"1"'},
    )
    assert edited.status == 200, edited.body
    assert edited.body["slug"] == "acme-status"
    assert edited.body["components"] == [{"group": None, "service_ids": [search]}]
    assert (edited.body["history_days"], edited.body["version"], edited.headers["ETag"]) == (30, 2, '"2"')

    stale = invoke(
        "update_status_page", org.api_key, path_params=on(page["id"]), body={"name": "x"}, headers={"If-Match": '"1"'}
    )
    assert stale.status == 412, stale.body

    second = create(org, "acme-internal").body
    listed = invoke("list_status_pages", org.api_key, query={})
    assert [p["id"] for p in listed.body["status_pages"]] == [second["id"], page["id"]]

    assert invoke("delete_status_page", org.api_key, path_params=on(page["id"])).status == 204
    assert invoke("get_status_page", org.api_key, path_params=on(page["id"])).status == 404
    assert create(org, "acme-status").status == 201  # the slug is free again


def test_a_slug_is_unique_across_organisations_and_a_refusal_writes_nothing(org, other_org, table):
    assert create(org, "acme").status == 201
    before = table.items()

    taken = create(other_org, "acme")

    assert taken.status == 409, taken.body
    assert "acme" in taken.body["detail"]
    assert table.items() == before


def test_moving_to_a_taken_slug_is_a_409_and_keeps_both_pages(org, other_org, table):
    page = create(org, "acme").body
    assert create(other_org, "globex").status == 201
    before = table.items()

    moved = invoke("update_status_page", org.api_key, path_params=on(page["id"]), body={"slug": "globex"})

    assert moved.status == 409, moved.body
    assert table.items() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"slug": "Acme"}, "slug"),
        ({"slug": "acme status"}, "slug"),
        ({"slug": "-acme"}, "slug"),
        ({"slug": "a" * 64}, "slug"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"support_url": "javascript:alert(1)"}, "support_url"),
        ({"history_days": 0}, "history_days"),
        ({"history_days": "90"}, "history_days"),
        ({"show_uptime": "yes"}, "show_uptime"),
        ({"components": [{"service_ids": []}]}, "components"),
        ({"components": [{"service_ids": ["not-an-id"]}]}, "components"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_fields_are_a_422_naming_the_field_and_write_nothing(org, table, fields, field):
    before = table.items()

    reply = create(org, **fields)

    assert reply.status == 422, reply.body
    assert any(name == field or name.startswith(field + ".") for name in reply.problem_fields), reply.body
    assert table.items() == before


def test_a_service_is_shown_once_and_group_headings_differ(org, table):
    checkout, search = new_service(org, "Checkout"), new_service(org, "Search")
    before = table.items()

    in_two_groups = [{"group": "A", "service_ids": [checkout]}, {"group": "B", "service_ids": [checkout]}]
    twice = create(org, components=in_two_groups)
    same_heading = create(
        org, components=[{"group": "Shop", "service_ids": [checkout]}, {"group": "shop", "service_ids": [search]}]
    )

    assert (twice.status, twice.problem_fields) == (422, ["components"]), twice.body
    assert checkout in twice.body["errors"][0]["message"]
    assert (same_heading.status, same_heading.problem_fields) == (422, ["components"]), same_heading.body
    assert "headings" in same_heading.body["errors"][0]["message"]
    assert table.items() == before


def test_an_unknown_or_foreign_service_is_a_422_naming_it(org, other_org, table):
    foreign = new_service(other_org, "Globex checkout")
    before = table.items()

    for service_id in (foreign, UNKNOWN):
        reply = create(org, components=[{"service_ids": [service_id]}])
        assert (reply.status, reply.problem_fields) == (422, ["components"]), reply.body
        assert service_id in reply.body["errors"][0]["message"]
    assert table.items() == before


def test_another_organisations_page_is_not_found(org, other_org, table):
    page = create(org).body
    before = table.items()

    replies = [
        invoke("get_status_page", other_org.api_key, path_params=on(page["id"])),
        invoke("update_status_page", other_org.api_key, path_params=on(page["id"]), body={"name": "pwned"}),
        invoke("delete_status_page", other_org.api_key, path_params=on(page["id"])),
    ]

    assert [reply.status for reply in replies] == [404, 404, 404]
    assert invoke("list_status_pages", other_org.api_key, query={}).body["status_pages"] == []
    assert table.items() == before


def test_reading_needs_read_incidents_and_writing_needs_admin(org):
    page = create(org).body
    reader = scoped_key(org, "read:incidents")

    assert invoke("get_status_page", reader, path_params=on(page["id"])).status == 200
    assert invoke("list_status_pages", reader, query={}).status == 200
    assert invoke("create_status_page", reader, body={"slug": "x", "name": "x"}).status == 403
    assert invoke("update_status_page", reader, path_params=on(page["id"]), body={"name": "x"}).status == 403
    assert invoke("delete_status_page", reader, path_params=on(page["id"])).status == 403


def test_organisations_racing_for_one_slug_get_one_page(table):
    from flare.access.organisations import create_organisation

    keys = [create_organisation(f"org {index}").api_key for index in range(10)]

    replies = race(lambda index: invoke("create_status_page", keys[index], body={"slug": "status", "name": "x"}), 10)

    assert sorted(reply.status for reply in replies) == [201] + [409] * 9
    claims = [item for item in table.items() if item["PK"]["S"].startswith("SLUG#")]
    assert len(claims) == 1
