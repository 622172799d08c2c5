import pytest

from flare.fields import SEVERITY_HELP, parse_message_type, parse_severity, parse_status


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("critical", "critical"),
        ("MAJOR", "major"),
        (" minor ", "minor"),
        ("low", "low"),
        ("maintenance", "maintenance"),
        (1, "critical"),
        ("2", "major"),
        (3, "minor"),
        ("4", "low"),
        ("Sev 1", "critical"),
        ("SEV-2", "major"),
        ("sev3", "minor"),
        ("sev_4", "low"),
        ("P1", "critical"),
        ("p4", "low"),
        ("DOWN", "critical"),
        ("degraded", "minor"),
    ],
)
def test_severity_aliases_map_to_canonical_names(given, expected):
    assert parse_severity(given) == expected


@pytest.mark.parametrize("given", ["5", 0, "P5", "sev 9", "high", "", None, True, 1.5, "sev--1"])
def test_unknown_severity_lists_the_accepted_values(given):
    with pytest.raises(ValueError) as error:
        parse_severity(given)
    assert str(error.value) == SEVERITY_HELP
    assert "critical, major, minor, low, maintenance" in SEVERITY_HELP


def test_status_accepts_open_as_investigating():
    assert parse_status("open") == "investigating"
    assert parse_status("Monitoring") == "monitoring"
    with pytest.raises(ValueError):
        parse_status("closed")


def test_message_types():
    assert parse_message_type("update") == "update"
    assert parse_message_type("RESOLVED") == "resolved"
    with pytest.raises(ValueError):
        parse_message_type("note")
