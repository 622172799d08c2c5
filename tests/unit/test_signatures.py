"""Webhook signatures against the vendors' own published vectors (PagerDuty, Slack) and Grafana's documented
scheme computed here with hmac."""

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from flare.alerting.senders import SENDERS
from flare.alerting.signatures import (
    GRAFANA_SIGNATURE_HEADER,
    GRAFANA_TIMESTAMP_HEADER,
    MAX_AGE_SECONDS,
    SignatureError,
    verify_grafana,
    verify_pagerduty,
    verify_slack,
)

VENDORS = Path(__file__).resolve().parents[1] / "fixtures" / "vendors"

PAGERDUTY = json.loads((VENDORS / "pagerduty" / "go-pagerduty-signature-vector.json").read_text())
PAGERDUTY_BODY = (VENDORS / "pagerduty" / PAGERDUTY["body_file"]).read_bytes()

SLACK = json.loads((VENDORS / "slack" / "official-doc-vector.golden.json").read_text())
SLACK_BODY = SLACK["body"].encode()
SLACK_TIMESTAMP = SLACK["headers"]["X-Slack-Request-Timestamp"]
SLACK_NOW = float(SLACK_TIMESTAMP)

GRAFANA_SECRET = "grafana-contact-point-secret"
GRAFANA_BODY = (VENDORS / "grafana" / "docs-example-firing-2-alerts.json").read_bytes()
GRAFANA_NOW = 1_760_000_000.0


def grafana_signature(message: bytes, secret: str = GRAFANA_SECRET) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def refused(check, *args) -> str:
    with pytest.raises(SignatureError) as error:
        check(*args)
    return str(error.value)


# PagerDuty


def test_pagerduty_vector_valid_signature_passes():
    verify_pagerduty(PAGERDUTY["secret"], PAGERDUTY_BODY, PAGERDUTY["valid_signature"])


def test_pagerduty_vector_mismatching_signature_is_refused():
    assert refused(verify_pagerduty, PAGERDUTY["secret"], PAGERDUTY_BODY, PAGERDUTY["mismatch_signature"]) == (
        "signature does not match"
    )


def test_pagerduty_any_of_several_signatures_passes_during_rotation():
    header = f"{PAGERDUTY['mismatch_signature']}, {PAGERDUTY['valid_signature']}"
    verify_pagerduty(PAGERDUTY["secret"], PAGERDUTY_BODY, header)


def test_pagerduty_refuses_wrong_secret_changed_body_and_missing_header():
    valid = PAGERDUTY["valid_signature"]
    assert refused(verify_pagerduty, "another-secret", PAGERDUTY_BODY, valid) == "signature does not match"
    assert refused(verify_pagerduty, PAGERDUTY["secret"], PAGERDUTY_BODY + b" ", valid) == "signature does not match"
    assert refused(verify_pagerduty, PAGERDUTY["secret"], PAGERDUTY_BODY, None) == (
        "X-PagerDuty-Signature header is missing"
    )
    assert "missing" in refused(verify_pagerduty, PAGERDUTY["secret"], PAGERDUTY_BODY, "")


def test_pagerduty_refuses_a_bare_hex_without_the_version_prefix_and_odd_headers():
    bare = PAGERDUTY["valid_signature"].removeprefix("v1=")
    for header in (bare, "v1=", ",,,", "v1=é" * 3, "v0=" + bare):
        assert refused(verify_pagerduty, PAGERDUTY["secret"], PAGERDUTY_BODY, header) == "signature does not match"


# Slack


def test_slack_official_vector_passes():
    assert (VENDORS / "slack" / "official-doc-verifying-requests.form").read_bytes().removesuffix(b"\n") == SLACK_BODY
    verify_slack(
        SLACK["signing_secret"], SLACK_BODY, SLACK["expected_signature_per_slack_docs"], SLACK_TIMESTAMP, SLACK_NOW
    )


def test_slack_refuses_a_wrong_secret_or_a_changed_body():
    signature = SLACK["expected_signature_per_slack_docs"]
    assert refused(verify_slack, "wrong", SLACK_BODY, signature, SLACK_TIMESTAMP, SLACK_NOW) == (
        "signature does not match"
    )
    changed = SLACK_BODY.replace(b"roadrunner", b"coyote")
    assert refused(verify_slack, SLACK["signing_secret"], changed, signature, SLACK_TIMESTAMP, SLACK_NOW) == (
        "signature does not match"
    )


def test_slack_refuses_stale_future_and_non_numeric_timestamps():
    secret, signature = SLACK["signing_secret"], SLACK["expected_signature_per_slack_docs"]
    assert refused(verify_slack, secret, SLACK_BODY, signature, SLACK_TIMESTAMP, SLACK_NOW + MAX_AGE_SECONDS + 1) == (
        "timestamp is older than 5 minutes"
    )
    assert refused(verify_slack, secret, SLACK_BODY, signature, SLACK_TIMESTAMP, SLACK_NOW - MAX_AGE_SECONDS - 1) == (
        "timestamp is more than 5 minutes in the future"
    )
    for timestamp in ("soon", "1531420618.5", "-1531420618", " 1531420618", "١٥٣١٤٢٠٦١٨", "9" * 40):
        assert "Unix time" in refused(verify_slack, secret, SLACK_BODY, signature, timestamp, SLACK_NOW)
    # Exactly five minutes either way is still fresh (and then the signature decides).
    verify_slack(secret, SLACK_BODY, signature, SLACK_TIMESTAMP, SLACK_NOW + MAX_AGE_SECONDS)


def test_slack_refuses_missing_headers():
    secret, signature = SLACK["signing_secret"], SLACK["expected_signature_per_slack_docs"]
    assert refused(verify_slack, secret, SLACK_BODY, None, SLACK_TIMESTAMP, SLACK_NOW) == (
        "X-Slack-Signature header is missing"
    )
    assert refused(verify_slack, secret, SLACK_BODY, signature, None, SLACK_NOW) == (
        "X-Slack-Request-Timestamp header is missing"
    )


# Grafana


def test_grafana_header_names():
    assert GRAFANA_SIGNATURE_HEADER == "X-Grafana-Alerting-Signature"
    assert GRAFANA_TIMESTAMP_HEADER == "X-Grafana-Alerting-Timestamp"


def test_grafana_body_only_signature_passes():
    verify_grafana(GRAFANA_SECRET, GRAFANA_BODY, grafana_signature(GRAFANA_BODY), None, GRAFANA_NOW)


def test_grafana_timestamped_signature_passes():
    timestamp = str(int(GRAFANA_NOW) - 30)
    signature = grafana_signature(timestamp.encode() + b":" + GRAFANA_BODY)
    verify_grafana(GRAFANA_SECRET, GRAFANA_BODY, signature, timestamp, GRAFANA_NOW)
    # The timestamp is signed: the body-only signature does not pass with it, nor the timestamped one without.
    assert refused(
        verify_grafana, GRAFANA_SECRET, GRAFANA_BODY, grafana_signature(GRAFANA_BODY), timestamp, GRAFANA_NOW
    )
    assert refused(verify_grafana, GRAFANA_SECRET, GRAFANA_BODY, signature, None, GRAFANA_NOW)


def test_grafana_refuses_bad_signature_wrong_secret_and_missing_header():
    other_secret = grafana_signature(GRAFANA_BODY, secret="someone-else")
    for signature in ("0" * 64, "not hex at all", other_secret, "é"):
        assert refused(verify_grafana, GRAFANA_SECRET, GRAFANA_BODY, signature, None, GRAFANA_NOW) == (
            "signature does not match"
        )
    assert refused(verify_grafana, GRAFANA_SECRET, GRAFANA_BODY, None, None, GRAFANA_NOW) == (
        "X-Grafana-Alerting-Signature header is missing"
    )


def test_grafana_refuses_stale_future_and_non_numeric_timestamps():
    def attempt(timestamp: str) -> str:
        signature = grafana_signature(timestamp.encode() + b":" + GRAFANA_BODY)
        return refused(verify_grafana, GRAFANA_SECRET, GRAFANA_BODY, signature, timestamp, GRAFANA_NOW)

    assert attempt(str(int(GRAFANA_NOW) - MAX_AGE_SECONDS - 1)) == "timestamp is older than 5 minutes"
    assert attempt(str(int(GRAFANA_NOW) + MAX_AGE_SECONDS + 1)) == "timestamp is more than 5 minutes in the future"
    for timestamp in ("", "yesterday", "1760000000000.0", "0x68c2d400"):
        assert "Unix time" in attempt(timestamp)


def test_an_empty_secret_is_a_configuration_error_not_a_pass():
    with pytest.raises(ValueError):
        verify_grafana("", b"{}", grafana_signature(b"{}", secret="x"), None, GRAFANA_NOW)


# The senders' checks, as the receivers call them: headers by their lowercased names


def test_the_senders_that_sign_verify_their_own_headers():
    pagerduty, grafana = SENDERS["pagerduty"].verify, SENDERS["grafana"].verify
    pagerduty(PAGERDUTY["secret"], PAGERDUTY_BODY, {"x-pagerduty-signature": PAGERDUTY["valid_signature"]}, 0.0)
    assert refused(pagerduty, PAGERDUTY["secret"], PAGERDUTY_BODY, {}, 0.0) == "X-PagerDuty-Signature header is missing"
    timestamp = str(int(GRAFANA_NOW) - 30)
    signed = {
        "x-grafana-alerting-signature": grafana_signature(timestamp.encode() + b":" + GRAFANA_BODY),
        "x-grafana-alerting-timestamp": timestamp,
    }
    grafana(GRAFANA_SECRET, GRAFANA_BODY, signed, GRAFANA_NOW)
    assert refused(grafana, GRAFANA_SECRET, GRAFANA_BODY, signed, GRAFANA_NOW + MAX_AGE_SECONDS) == (
        "timestamp is older than 5 minutes"
    )
    grafana(GRAFANA_SECRET, GRAFANA_BODY, {"x-grafana-alerting-signature": grafana_signature(GRAFANA_BODY)}, 0.0)
    # A signature over a timestamp identifies the delivery (a replay within its 5 minutes is not acted on again).
    assert SENDERS["grafana"].header_delivery_id(signed) == signed["x-grafana-alerting-signature"]
    assert SENDERS["grafana"].header_delivery_id({"x-grafana-alerting-signature": "abc"}) is None
