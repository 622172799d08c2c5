import pytest

from flare.catalog.rollup import service_status


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ([], "operational"),
        (["low"], "degraded_performance"),
        (["minor"], "degraded_performance"),
        (["major"], "partial_outage"),
        (["critical"], "major_outage"),
        (["maintenance"], "under_maintenance"),
        (["maintenance", "minor"], "degraded_performance"),
        (["low", "critical", "major"], "major_outage"),
        (["major", "maintenance"], "partial_outage"),
    ],
)
def test_service_status_is_the_worst_active_incident(severities, expected):
    assert service_status(severities) == expected
