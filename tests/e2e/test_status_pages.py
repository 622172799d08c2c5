"""Status pages as their readers meet them, over HTTP against `make dev`'s stack: the demo page it prints, an
incident published, updated and resolved with the README's requests and the page, its JSON and its feeds
following within seconds, a herd of readers at once, drafts never shown, and real consumers of each format."""

import json
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import feedparser
import httpx
import pytest

from tests.e2e.status_page_readers import demo_service, page_url, status_json, until

NODE_CLIENTS = Path(__file__).parent / "node"


def test_make_dev_prints_the_demo_page_and_it_is_served(stack):
    log_file = stack.state_file.parent / "flare_local.log"
    # The page is served a moment before the stack prints its summary.
    log = until(log_file.read_text, lambda text: "Ctrl-C to stop." in text, "the stack's printed summary")
    assert f"Status page  {page_url(stack)}" in log
    page = httpx.get(page_url(stack))
    assert page.status_code == 200 and "Demo status" in page.text
    assert page.headers["content-type"].startswith("text/html")


def test_the_readme_walk_through_moves_the_page_json_and_feeds(stack):
    service = demo_service(stack)
    with stack.client() as api:
        incident = api.post(
            "/incidents",
            json={
                "title": "API errors",
                "severity": "major",
                "publish": True,
                "affected_services": [service],
                "initial_message": {"type": "investigating", "description": "Elevated 5xx on the API."},
            },
        ).json()
        until(lambda: status_json(stack)["status"]["indicator"], lambda i: i == "major", "indicator major")
        html = httpx.get(page_url(stack)).text
        assert "API errors" in html and "Elevated 5xx on the API." in html and "Partial outage" in html

        api.post(f"/incidents/{incident['id']}/messages", json={"type": "monitoring", "description": "Fix deployed."})
        until(
            lambda: httpx.get(f"{page_url(stack)}/incidents/{incident['reference']}").text,
            lambda text: "Fix deployed." in text,
            "the update on the incident's page",
        )
        api.post(f"/incidents/{incident['id']}/resolve", json={"description": "Error rate normal."})

    until(lambda: status_json(stack)["status"]["indicator"], lambda i: i == "none", "back to none")
    for feed_path in ("history.atom", "history.rss"):
        feed = feedparser.parse(httpx.get(f"{page_url(stack)}/{feed_path}").content)
        assert not feed.bozo, feed.bozo_exception
        [entry] = [e for e in feed.entries if e.title == "API errors"]
        assert entry.link.endswith(f"/status/demo/incidents/{incident['reference']}")
        assert "Resolved" in entry.summary
    autodiscovered = httpx.get(page_url(stack)).text
    assert 'type="application/atom+xml"' in autodiscovered and 'type="application/rss+xml"' in autodiscovered


def test_a_herd_of_readers_at_once_all_get_the_page(stack):
    url = page_url(stack)
    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda _: client.get(url), range(100)))
    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.headers["etag"] for answer in answers}) <= 2  # one page (two if a change landed mid-herd)


def test_a_reader_revalidates_with_its_etag(stack):
    first = httpx.get(f"{page_url(stack)}/api/v2/summary.json")
    again = httpx.get(f"{page_url(stack)}/api/v2/summary.json", headers={"If-None-Match": first.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert first.headers["cache-control"] == "public, max-age=30, stale-while-revalidate=60"


def test_a_draft_is_never_visible_while_it_is_published_under_a_herd(stack):
    service = demo_service(stack, "Website")
    seen: set[str] = set()
    stop = threading.Event()

    def read():
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                body = client.get(f"{page_url(stack)}/api/v2/incidents.json").json()
                seen.update(i["name"] for i in body["incidents"])

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        with stack.client() as api:
            draft = api.post("/incidents", json={"title": "Quiet draft", "affected_services": [service]}).json()
            time.sleep(1)
            assert "Quiet draft" not in seen
            api.post(f"/incidents/{draft['id']}/publish")
            until(lambda: set(seen), lambda names: "Quiet draft" in names, "the published draft")
            api.post(f"/incidents/{draft['id']}/resolve", json={})
    finally:
        stop.set()
        for reader in readers:
            reader.join()


def test_hostile_text_is_inert_on_the_page(stack):
    service = demo_service(stack, "Status page")
    payload = '<script>document.title="owned"</script><img src=x onerror="alert(1)">'
    with stack.client() as api:
        incident = api.post(
            "/incidents",
            json={"title": payload, "publish": True, "affected_services": [service], "severity": "minor"},
        ).json()
        until(lambda: httpx.get(page_url(stack)).text, lambda text: "&lt;script&gt;" in text, "the escaped title")
        page = httpx.get(page_url(stack)).text
        assert "<script" not in page and 'onerror="alert' not in page
        api.post(f"/incidents/{incident['id']}/resolve", json={})


@pytest.mark.skipif(not (shutil.which("node") and shutil.which("npm")), reason="needs Node.js and npm (make test)")
def test_an_existing_statuspage_client_reads_the_page_unchanged(stack):
    if not (NODE_CLIENTS / "node_modules" / "statuspage.io").is_dir():
        pytest.fail("tests/e2e/node is not installed: `make test` runs npm ci there")
    service = demo_service(stack)
    with stack.client() as api:
        incident = api.post(
            "/incidents",
            json={"title": "Read by a client", "publish": True, "affected_services": [service], "severity": "critical"},
        ).json()
        until(lambda: status_json(stack)["status"]["indicator"], lambda i: i == "critical", "indicator critical")
        ran = subprocess.run(
            ["node", str(NODE_CLIENTS / "read_statuspage.js"), page_url(stack)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        api.post(f"/incidents/{incident['id']}/resolve", json={})
    assert ran.returncode == 0, ran.stderr
    read = json.loads(ran.stdout)
    assert read["status"]["status"]["indicator"] == "critical"
    assert read["summary"]["page"]["name"] == "Demo status"
    assert "Read by a client" in [i["name"] for i in read["unresolved"]["incidents"]]
    api_component = next(c for c in read["components"]["components"] if c["name"] == "API")
    assert api_component["status"] == "major_outage"
    assert {"incidents", "scheduled_maintenances"} <= set(read["summary"])


def test_links_are_where_the_reader_came_from(stack):
    """The feeds' and JSON's absolute links name the scheme and host the request used (here http on loopback;
    on AWS https on the API's domain), with the stage or base path API Gateway put before the route."""
    summary = httpx.get(f"{page_url(stack)}/api/v2/summary.json").json()
    assert summary["page"]["url"] == page_url(stack)
    feed = feedparser.parse(httpx.get(f"{page_url(stack)}/history.atom").content)
    assert feed.feed.link == page_url(stack)
