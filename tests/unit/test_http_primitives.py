"""Cursors, If-Match, key format and raw body checks: the pieces every endpoint relies on."""

from datetime import UTC, datetime

import pytest

from flare import cursor, settings
from flare.access import auth
from flare.errors import BadRequest, PayloadTooLarge, PreconditionFailed, UnsupportedMediaType
from flare.fields import MAX_BODY_BYTES
from flare.http.body import check_body
from flare.ids import is_id, new_id, ulid_bound
from flare.preconditions import check_if_match


@pytest.fixture(autouse=True)
def cursor_secret(monkeypatch):
    """Cursors are signed with the function's secret (in the tools' way: CURSOR_SECRET, no AWS)."""
    monkeypatch.delenv("CURSOR_SECRET_ARN", raising=False)
    monkeypatch.setenv("CURSOR_SECRET", "unit-test-cursor-secret")
    settings.forget()
    cursor.load_secret()
    yield
    settings.forget()


def test_cursor_round_trips_and_is_bound_to_its_query():
    query = cursor.fingerprint(org="org_1", list="incidents", status=["resolved"])
    token = cursor.encode({"PK": "a", "SK": "b"}, query)
    assert cursor.decode(token, query) == {"PK": "a", "SK": "b"}
    other = cursor.fingerprint(org="org_1", list="incidents", status=[])
    with pytest.raises(BadRequest):
        cursor.decode(token, other)


@pytest.mark.parametrize("tamper", [lambda t: "x" + t, lambda t: t[:-2] + "AA", lambda t: t.split(".")[0], str.upper])
def test_tampered_cursor_is_rejected(tamper):
    query = cursor.fingerprint(org="org_1")
    token = cursor.encode({"PK": "a"}, query)
    with pytest.raises(BadRequest):
        cursor.decode(tamper(token), query)


@pytest.mark.parametrize("header", [None, "*", '"3"', "3", 'W/"3"', '"1", "3"'])
def test_if_match_accepts_the_current_version(header):
    check_if_match(header, 3)


@pytest.mark.parametrize("header", ['"2"', "4", 'W/"30"', '"garbage"'])
def test_if_match_rejects_a_stale_version(header):
    with pytest.raises(PreconditionFailed):
        check_if_match(header, 3)


@pytest.mark.parametrize("header", ["garbage", '"3', "3,", "", "W/3"])
def test_if_match_that_is_no_entity_tag_is_a_bad_request_not_a_stale_one(header):
    with pytest.raises(BadRequest):
        check_if_match(header, 3)


def test_key_format_round_trips():
    key_id, secret, full = auth.new_key()
    assert full == f"flare_{key_id}_{secret}"
    assert auth.split_key(full) == (key_id, secret)
    assert is_id(key_id, "key")
    for bad in ("", "flare_", f"flare_{key_id}", f"flare_{key_id}_short", f"flare_inc_{key_id[4:]}_{secret}"):
        with pytest.raises(ValueError):
            auth.split_key(bad)


def test_write_scopes_and_admin_imply_read():
    assert "read:incidents" in auth.effective_scopes(["write:incidents"])
    assert "read:incidents" in auth.effective_scopes(["write:maintenances"])
    assert "admin" not in auth.effective_scopes(["write:incidents"])


def test_ulid_bounds_bracket_ids_of_that_millisecond():
    at = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    made = new_id("inc", at)[4:]
    assert ulid_bound(at, upper=False) <= made <= ulid_bound(at, upper=True)


def _event(body, content_type="application/json"):
    return {"body": body, "headers": {"Content-Type": content_type} if content_type else {}}


@pytest.mark.parametrize(
    ("event", "error"),
    [
        (_event('{"title": '), BadRequest),
        (_event('{"a": NaN}'), BadRequest),
        (_event("[" * 50_000 + "]" * 50_000), BadRequest),
        (_event('{"n": ' + "9" * 5000 + "}"), BadRequest),
        (_event("title=x", "application/x-www-form-urlencoded"), UnsupportedMediaType),
        (_event("x" * (MAX_BODY_BYTES + 1)), PayloadTooLarge),
    ],
)
def test_raw_body_checks(event, error):
    assert isinstance(check_body(event), error)


def test_raw_body_checks_pass_json_and_json_variants():
    assert check_body(_event('{"title": "x"}')) is None
    assert check_body(_event('{"title": "x"}', "application/merge-patch+json; charset=utf-8")) is None
    assert check_body(_event('{"title": "x"}', None)) is None
    assert check_body(_event(None)) is None
