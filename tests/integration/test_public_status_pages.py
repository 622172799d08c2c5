"""Public status pages on the embedded DynamoDB: what the API writes reaches the page through the table's stream
(the projector), each view is one read of the page's snapshot, and the answers are cached, hardened and
public-only."""

import json
import threading

import feedparser
import pytest

from flare_bench.round_trips import DynamoDBCalls
from tests.support import new_service
from tests.support.invoking import invoke
from tests.support.streams import deliver_changes

SECURITY = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


def view(function: str, slug: str = "acme", headers: dict | None = None, **params):
    query = params.pop("query", None)
    return invoke(function, None, path_params={"slug": slug} | params, headers=headers, query=query)


@pytest.fixture
def page(org, table):
    """A page showing Checkout and Search (grouped) and Docs; its snapshot built."""
    checkout, search, docs = (new_service(org, name) for name in ("Checkout", "Search", "Docs"))
    created = invoke(
        "create_status_page",
        org.api_key,
        body={
            "slug": "acme",
            "name": "Acme status",
            "components": [{"group": "Shop", "service_ids": [checkout, search]}, {"service_ids": [docs]}],
        },
    )
    assert created.status == 201, created.body
    deliver_changes(table)
    return {"id": created.body["id"], "checkout": checkout, "search": search, "docs": docs}


def file_incident(org, services: list[str], **fields) -> dict:
    body = {"title": "Checkout errors", "severity": "critical", "affected_services": services} | fields
    reply = invoke("create_incident", org.api_key, body=body)
    assert reply.status == 201, reply.body
    return reply.body


def summary(slug: str = "acme") -> dict:
    reply = view("get_statuspage_summary", slug)
    assert reply.status == 200, reply.body
    return reply.body


def test_a_published_incident_reaches_the_page_and_leaves_it_resolved(org, table, page):
    assert summary()["status"]["indicator"] == "none"
    html = view("get_public_status_page").body
    assert "All systems operational" in html and "Checkout" in html

    incident = file_incident(org, [page["checkout"]], publish=True)
    deliver_changes(table)

    current = summary()
    assert current["status"] == {"indicator": "critical", "description": "Major System Outage"}
    assert [i["name"] for i in current["incidents"]] == ["Checkout errors"]
    checkout = next(c for c in current["components"] if c["id"] == page["checkout"])
    assert checkout["status"] == "major_outage"
    html = view("get_public_status_page").body
    assert "Major outage" in html and "Active incidents" in html

    invoke(
        "create_incident_message",
        org.api_key,
        path_params={"incident_id": incident["id"]},
        body={"type": "identified", "description": "A bad deploy; rolling back."},
    )
    invoke("resolve_incident", org.api_key, path_params={"incident_id": incident["id"]}, body=None)
    deliver_changes(table)

    assert summary()["incidents"] == [] and summary()["status"]["indicator"] == "none"
    [past] = view("get_statuspage_incidents").body["incidents"]
    assert past["status"] == "resolved"
    assert [u["status"] for u in past["incident_updates"]] == ["resolved", "identified"]
    page_of_it = view("get_public_incident", record=incident["reference"])
    assert page_of_it.status == 200 and "A bad deploy; rolling back." in page_of_it.body
    assert "Checkout errors" in view("get_public_history").body


def test_a_draft_is_never_shown_and_neither_is_an_incident_off_the_page(org, table, page):
    draft = file_incident(org, [page["checkout"]], title="Draft: not yet")
    other = new_service(org, "Internal billing")
    file_incident(org, [other], title="Off the page", publish=True)
    deliver_changes(table)

    for function in ("get_statuspage_incidents", "get_statuspage_summary"):
        assert view(function).body["incidents"] == [], function
    html = view("get_public_status_page").body
    assert "Draft: not yet" not in html and "Off the page" not in html
    assert view("get_public_incident", record=draft["id"]).status == 404
    feed = feedparser.parse(view("get_public_history_atom").body)
    assert feed.entries == []


def test_views_racing_the_build_of_a_publish_never_show_the_draft_and_then_show_it_published(org, table, page):
    draft = file_incident(org, [page["checkout"]], title="Racing")
    deliver_changes(table)
    assert invoke("publish_incident", org.api_key, path_params={"incident_id": draft["id"]}, body=None).status == 200
    seen: list[str] = []
    stop = threading.Event()

    # Views run beside the projector's build (a stream function, not an HTTP resolver: Powertools keeps the
    # current request in a class attribute, so two HTTP handlers must not run at once in one process).
    def keep_viewing():
        while not stop.is_set():
            body = view("get_statuspage_incidents").body
            seen.extend(incident["status"] for incident in body["incidents"])

    viewer = threading.Thread(target=keep_viewing)
    viewer.start()
    try:
        deliver_changes(table)
    finally:
        stop.set()
        viewer.join()
    assert [i["name"] for i in view("get_statuspage_incidents").body["incidents"]] == ["Racing"]
    assert set(seen) <= {"investigating"}  # a published incident, or nothing: never anything else


def test_a_view_reads_one_item_whatever_the_history(org, table, page):
    for number in range(30):
        incident = file_incident(org, [page["search"]], title=f"Old {number}", publish=True, severity="minor")
        invoke("resolve_incident", org.api_key, path_params={"incident_id": incident["id"]}, body=None)
    deliver_changes(table)

    for function in ("get_public_status_page", "get_statuspage_summary", "get_public_history_rss"):
        with DynamoDBCalls() as calls:
            assert view(function).status == 200
        assert calls.trips().operations == ["GetItem"], function


def test_answers_are_cached_revalidated_and_hardened(org, table, page):
    first = view("get_public_status_page")
    assert first.status == 200
    assert first.headers["Cache-Control"] == "public, max-age=30, stale-while-revalidate=60"
    assert first.headers["Content-Type"].startswith("text/html")
    assert first.headers["Last-Modified"].endswith(" GMT")
    for name in SECURITY:
        assert name in first.headers, name
    policy = first.headers["Content-Security-Policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy and "frame-ancestors 'none'" in policy

    again = view("get_public_status_page", headers={"If-None-Match": first.headers["ETag"]})
    assert (again.status, again.body) == (304, None)
    assert again.headers["ETag"] == first.headers["ETag"]

    file_incident(org, [page["docs"]], publish=True)
    deliver_changes(table)
    changed = view("get_public_status_page", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert view("get_statuspage_status").headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_slugs_answer_404_in_the_routes_own_media(table):
    html = view("get_public_status_page", "nobody-has-this")
    assert html.status == 404 and html.headers["Content-Type"].startswith("text/html")
    assert "There is no status page at this address." in html.body
    problem = view("get_statuspage_summary", "nobody-has-this")
    assert (problem.status, problem.headers["Content-Type"]) == (404, "application/problem+json")
    assert view("get_public_status_page", "NOT a slug!").status == 404
    for name in SECURITY:
        assert name in html.headers and name in problem.headers


def test_a_bad_month_is_a_400_page_naming_the_parameter(page):
    reply = view("get_public_history", query={"month": "2026-13"})
    assert reply.status == 400 and "month must read YYYY-MM" in reply.body
    assert view("get_public_history", query={"month": "2026-11", "utm_source": "mail"}).status == 200


def test_renaming_a_page_moves_it_and_deleting_it_takes_it_down(org, table, page):
    edited = invoke(
        "update_status_page", org.api_key, path_params={"status_page_id": page["id"]}, body={"slug": "acme-new"}
    )
    assert edited.status == 200, edited.body
    assert view("get_public_status_page").status == 404  # the old address at once
    deliver_changes(table)
    assert summary("acme-new")["page"]["name"] == "Acme status"

    assert invoke("delete_status_page", org.api_key, path_params={"status_page_id": page["id"]}).status == 204
    assert view("get_public_status_page", "acme-new").status == 404


def test_another_organisations_page_never_shows_this_ones_incidents(org, other_org, table, page):
    theirs = new_service(other_org, "Checkout")
    invoke(
        "create_status_page",
        other_org.api_key,
        body={"slug": "globex", "name": "Globex", "components": [{"service_ids": [theirs]}]},
    )
    file_incident(org, [page["checkout"]], publish=True, title="Acme only")
    deliver_changes(table)

    assert summary("globex")["incidents"] == []
    assert "Acme only" not in view("get_public_status_page", "globex").body


def test_concurrent_changes_converge_on_the_page(org, table, page):
    incidents = [
        file_incident(org, [page["search"]], title=f"Storm {n}", publish=True, severity="minor") for n in range(6)
    ]
    deliver_changes(table)
    threads = [
        threading.Thread(
            target=invoke,
            args=("resolve_incident", org.api_key),
            kwargs={"path_params": {"incident_id": i["id"]}, "body": None},
        )
        for i in incidents[:3]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deliver_changes(table)

    unresolved = view("get_statuspage_incidents_unresolved").body["incidents"]
    assert sorted(i["name"] for i in unresolved) == ["Storm 3", "Storm 4", "Storm 5"]
    claim = table.client.get_item(TableName=table.name, Key={"PK": {"S": "SLUG#acme"}, "SK": {"S": "SLUG"}})["Item"]
    assert int(claim["revision"]["N"]) >= 3  # built on creation, after the storm, after the resolves


def test_the_json_is_what_statuspage_clients_parse(page, org, table):
    file_incident(org, [page["checkout"]], publish=True)
    deliver_changes(table)
    for function, key in (
        ("get_statuspage_components", "components"),
        ("get_statuspage_scheduled_maintenances", "scheduled_maintenances"),
        ("get_statuspage_scheduled_maintenances_upcoming", "scheduled_maintenances"),
        ("get_statuspage_scheduled_maintenances_active", "scheduled_maintenances"),
        ("get_statuspage_incidents_unresolved", "incidents"),
    ):
        reply = view(function)
        assert reply.status == 200 and key in reply.body and "page" in reply.body, function
    assert json.loads(json.dumps(summary()))["page"]["url"] == "https://api.example.com/live/status/acme"


def test_an_attached_incident_is_shown_whatever_it_affects_once_published(org, table, page):
    internal = new_service(org, "Internal billing")
    incident = file_incident(org, [internal], title="Billing delays")  # a draft, off the page's services
    attached = invoke(
        "update_status_page",
        org.api_key,
        path_params={"status_page_id": page["id"]},
        body={"attached_incidents": [incident["id"]]},
    )
    assert attached.status == 200 and attached.body["attached_incidents"] == [incident["id"]]
    deliver_changes(table)
    assert view("get_statuspage_incidents").body["incidents"] == []  # attached, but a draft

    invoke("publish_incident", org.api_key, path_params={"incident_id": incident["id"]}, body=None)
    deliver_changes(table)
    [shown] = view("get_statuspage_incidents").body["incidents"]
    assert (shown["name"], shown["components"]) == ("Billing delays", [])  # its service is not the page's
    assert "Internal billing" not in view("get_public_status_page").body


def test_a_new_page_shows_what_was_published_before_it_existed(org, table):
    checkout = new_service(org, "Checkout")
    earlier = file_incident(org, [checkout], title="Before the page", publish=True)
    invoke("resolve_incident", org.api_key, path_params={"incident_id": earlier["id"]}, body=None)
    ongoing = file_incident(org, [checkout], title="Still going", publish=True)
    file_incident(org, [checkout], title="A draft from before")
    deliver_changes(table)  # no page yet: nothing to build

    body = {"slug": "late", "name": "Late page", "components": [{"service_ids": [checkout]}]}
    assert invoke("create_status_page", org.api_key, body=body).status == 201
    deliver_changes(table)

    shown = {i["name"]: i["status"] for i in view("get_statuspage_incidents", "late").body["incidents"]}
    assert shown == {"Before the page": "resolved", "Still going": "investigating"}
    assert ongoing["id"] in json.dumps(view("get_statuspage_incidents_unresolved", "late").body)
