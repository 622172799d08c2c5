"""A maintenance window starts and completes by itself on the local stack, with a clock the test advances
(the local stack's /_local/clock) and the scheduler run the way `make sweep` runs it."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

T0 = datetime(2030, 1, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def set_clock(stack):
    def to(at: datetime) -> None:
        httpx.put(f"{stack.base_url}/_local/clock", json={"now": at.isoformat()}).raise_for_status()

    yield to
    httpx.delete(f"{stack.base_url}/_local/clock").raise_for_status()


def sweep(stack) -> dict:
    answer = httpx.post(f"{stack.base_url}/_local/schedules/SweepMaintenancesFunction/run", timeout=60)
    answer.raise_for_status()
    return answer.json()


def test_a_window_starts_and_completes_by_itself(stack, set_clock):
    set_clock(T0)
    with stack.client() as api:
        service = api.post("/services", json={"name": "Billing DB"}).json()["id"]
        created = api.post(
            "/maintenances",
            json={
                "title": "Billing DB upgrade",
                "scheduled_start_at": (T0 + timedelta(minutes=10)).isoformat(),
                "scheduled_end_at": (T0 + timedelta(minutes=70)).isoformat(),
                "affected_services": [service],
            },
        )
        assert created.status_code == 201
        maintenance = created.json()["id"]

        assert sweep(stack)["transitions"] == []
        assert api.get(f"/maintenances/{maintenance}").json()["status"] == "scheduled"

        set_clock(T0 + timedelta(minutes=11))
        assert sweep(stack)["transitions"] == [{"maintenance_id": maintenance, "action": "start"}]
        assert api.get(f"/maintenances/{maintenance}").json()["status"] == "in_progress"
        assert api.get(f"/services/{service}").json()["status"] == "under_maintenance"
        assert sweep(stack)["transitions"] == []  # a second sweep finds nothing more to do

        set_clock(T0 + timedelta(minutes=71))
        assert sweep(stack)["transitions"] == [{"maintenance_id": maintenance, "action": "complete"}]
        done = api.get(f"/maintenances/{maintenance}").json()
        assert done["status"] == "completed"
        assert done["started_at"] == "2030-01-01T00:11:00.000Z"
        assert done["completed_at"] == "2030-01-01T01:11:00.000Z"
        assert [(entry["type"], entry["actor"]) for entry in done["timeline"]][:2] == [
            ("completed", "scheduler"),
            ("started", "scheduler"),
        ]
        assert api.get(f"/services/{service}").json()["status"] == "operational"
