"""The real Prometheus Alertmanager (Debian's prometheus-alertmanager) delivers to Flare's Alertmanager receiver
on the local stack, and the incidents come out as a user expects: one per alert group, repeats absorbed, resolved
once.

alertmanager/run_alertmanager.sh is copied unchanged from the team's shared client harness
(/work/shared/clients/alertmanager/run_alertmanager.sh, not part of this repository), so that CI has it on a clean
clone. Its companion capture_server.py is not copied: the script only uses it when no target URL is given (this
test always gives one), and it is not ruff-clean. The script runs Alertmanager on 127.0.0.1:$AM_PORT with a
webhook receiver pointed at our integration, posts alerts through Alertmanager's API (SCENARIO=full: firing, a
duplicate post, a repeat after repeat_interval, a second alert joining the group, a partial resolve, the resolve,
then a second group of two alerts posted at once and resolved) and stops everything it started.

`make test` installs the package where apt is available (the Makefile's `alertmanager` target); elsewhere this
test is skipped.
"""

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import RunningStack, free_port, run_stack

SCRIPT = Path(__file__).parent / "alertmanager" / "run_alertmanager.sh"
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
SCENARIO_TIMEOUT = 180  # seconds; SCENARIO=full takes about a minute

# What Alertmanager 0.25 logs when a notification is not accepted (any non-2xx answer, or no answer at all).
FAILED_NOTIFY = re.compile(
    r"Notify for alerts failed|notify retry canceled|Notify attempt failed|unexpected status code|"
    r"context deadline exceeded|connection refused"
)

pytestmark = [
    pytest.mark.skipif(
        ALERTMANAGER is None,
        reason="neither prometheus-alertmanager nor alertmanager is on PATH: install Debian's prometheus-alertmanager "
        "(make test does it where apt is available)",
    ),
    pytest.mark.skipif(shutil.which("curl") is None, reason="run_alertmanager.sh needs curl, which is not on PATH"),
]


@pytest.fixture(scope="module")
def am_stack(tmp_path_factory):
    """A local stack of its own: service names are unique in an organisation, so the `checkout` and `search`
    services this test needs must not collide with what other e2e tests make on the shared `stack`."""
    log_dir = tmp_path_factory.mktemp("alertmanager_stack")
    for running in run_stack(log_dir):
        running.log_path = log_dir / "flare_local.log"
        yield running


def tail(path: Path, lines: int = 60) -> str:
    """The last lines of a log, without the stack's metrics lines (one per request, no news)."""
    if not path.exists():
        return f"({path} does not exist)"
    kept = [line for line in path.read_text(errors="replace").splitlines() if '"CloudWatchMetrics"' not in line]
    return "\n".join(kept[-lines:])


def run_scenario(url: str, token: str, workdir: Path) -> subprocess.CompletedProcess:
    """run_alertmanager.sh SCENARIO=full against `url`; Alertmanager's files (config, log) land in `workdir`."""
    env = os.environ | {
        "SCENARIO": "full",
        "BEARER_TOKEN": token,
        "AM_PORT": str(free_port()),
        "CAPTURE_PORT": str(free_port()),  # unused with a URL; never the fixed default
        "WORKDIR": str(workdir),
        "KEEP_RUNNING": "0",
        "AM_BIN": ALERTMANAGER,
    }
    # Its own session: on a timeout the whole group (the script and the Alertmanager it started) is stopped.
    process = subprocess.Popen(
        ["bash", str(SCRIPT), url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=SCENARIO_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
        pytest.fail(
            f"run_alertmanager.sh did not finish within {SCENARIO_TIMEOUT}s:\n{stderr}\n"
            f"--- alertmanager.log ---\n{tail(workdir / 'alertmanager.log')}"
        )
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def incidents_of(api: httpx.Client, integration_id: str) -> list[dict]:
    """Every incident this integration opened (newest first), from all pages of the list."""
    found, cursor = [], None
    while True:
        page = api.get("/incidents", params={"limit": 100} | ({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.text
        body = page.json()
        found += [
            incident
            for incident in body["incidents"]
            if incident["source"] == "alertmanager" and incident["metadata"].get("integration_id") == integration_id
        ]
        cursor = body["next_cursor"]
        if not cursor:
            return found


def test_real_alertmanager_files_one_incident_per_group(am_stack: RunningStack, tmp_path):
    started = time.monotonic()
    with am_stack.client() as admin:
        services = {}
        for name in ("checkout", "search"):
            created = admin.post("/services", json={"name": name})
            assert created.status_code == 201, created.text
            services[name] = created.json()["id"]
        integration = admin.post(
            "/integrations", json={"type": "alertmanager", "name": "Prometheus Alertmanager", "cooldown_minutes": 30}
        )
        assert integration.status_code == 201, integration.text
        integration = integration.json()
        # What a user gives Alertmanager: a key that may only write incidents.
        key = admin.post("/api-keys", json={"name": "alertmanager webhook", "scopes": ["write:incidents"]})
        assert key.status_code == 201, key.text
        token = key.json()["key"]

    workdir = tmp_path / "alertmanager"
    run = run_scenario(am_stack.base_url + integration["webhook_path"], token, workdir)
    am_log_path = workdir / "alertmanager.log"

    def diagnostics() -> str:
        return (
            f"\n--- run_alertmanager.sh (exit {run.returncode}) stderr ---\n{run.stderr}"
            f"\n--- alertmanager.log (last lines) ---\n{tail(am_log_path)}"
            f"\n--- flare_local.log (last lines) ---\n{tail(am_stack.log_path)}"
        )

    try:
        assert run.returncode == 0, "run_alertmanager.sh failed"
        am_log = am_log_path.read_text()
        # At least a firing and a resolved notification per group (SCENARIO=full sends 7 in all).
        delivered = am_log.count('msg="Notify success"')
        assert delivered >= 4, f"Alertmanager delivered {delivered} notifications"
        failures = [line for line in am_log.splitlines() if FAILED_NOTIFY.search(line)]
        assert failures == [], "Alertmanager logged failed notifications:\n" + "\n".join(failures)

        with am_stack.client() as admin:
            filed = incidents_of(admin, integration["id"])
            groups = {
                (
                    incident["metadata"]["group_labels"].get("alertname"),
                    incident["metadata"]["group_labels"].get("service"),
                ): incident
                for incident in filed
            }
            assert len(filed) == 2 and set(groups) == {("HighErrorRate", "checkout"), ("DiskFull", "search")}, [
                (incident["id"], incident["title"], incident["metadata"].get("group_labels")) for incident in filed
            ]

            checkout = admin.get(f"/incidents/{groups['HighErrorRate', 'checkout']['id']}").json()
            assert checkout["title"] == "HighErrorRate on checkout"
            assert checkout["severity"] == "critical"
            assert [service["id"] for service in checkout["affected_services"]] == [services["checkout"]]
            assert "unmatched_services" not in checkout["metadata"]
            # The repeat after repeat_interval (and the grouped and partially resolved notifications) were
            # absorbed into the one incident.
            assert checkout["occurrences"] >= 2, checkout["occurrences"]
            assert checkout["status"] == "resolved"
            assert checkout["resolved_at"] is not None
            types = [message["type"] for message in checkout["messages"]]
            assert types.count("resolved") == 1, types
            assert types.count("investigating") == 1, types  # only the first delivery wrote one

            search = admin.get(f"/incidents/{groups['DiskFull', 'search']['id']}").json()
            assert search["title"] == "DiskFull on search"
            assert search["severity"] == "minor"  # `warning` by the default mapping
            assert [service["id"] for service in search["affected_services"]] == [services["search"]]
            assert search["metadata"]["alerts_firing"] == 2  # both alerts of one post, in one notification
            assert search["status"] == "resolved"
            types = [message["type"] for message in search["messages"]]
            assert types.count("resolved") == 1, types
            assert types.count("investigating") == 1, types

            # Resolved incidents no longer weigh on their services.
            for name, service_id in services.items():
                assert admin.get(f"/services/{service_id}").json()["status"] == "operational", name
    except AssertionError:
        print(diagnostics())
        raise
    print(
        f"\nreal Alertmanager: {delivered} notifications delivered in {time.monotonic() - started:.0f}s; "
        f"checkout occurrences {checkout['occurrences']}"
    )
