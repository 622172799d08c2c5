"""API keys (shown once, never listed), scopes (403) and authentication (401) through the real authorizer."""

import json
import re
import secrets

from flare.ids import new_id
from tests.support.invoking import invoke


def new_key(org, *scopes: str, name: str = "scoped") -> dict:
    reply = invoke("create_api_key", org.api_key, body={"name": name, "scopes": list(scopes)})
    assert reply.status == 201, reply.body
    return reply.body


def test_a_new_key_is_shown_once_in_full(org, table):
    reply = invoke("create_api_key", org.api_key, body={"name": "alertmanager", "scopes": ["write:incidents"]})

    assert reply.status == 201, reply.body
    key = reply.body
    assert re.fullmatch(r"key_[0-9A-HJKMNP-TV-Z]{26}", key["id"])
    assert re.fullmatch(rf"flare_{key['id']}_[0-9a-f]{{64}}", key["key"])
    assert key["name"] == "alertmanager"
    assert key["scopes"] == ["write:incidents"]
    assert key["revoked_at"] is None
    assert reply.headers["Location"] == f"/api/v1/api-keys/{key['id']}"
    secret = key["key"].rsplit("_", 1)[1]

    listed = invoke("list_api_keys", org.api_key, query={})
    assert listed.status == 200
    [shown] = [item for item in listed.body["api_keys"] if item["id"] == key["id"]]
    assert shown == {k: v for k, v in key.items() if k != "key"}
    text = json.dumps(listed.body)
    assert secret not in text
    assert "hash" not in text and "secret" not in text
    assert all("key" not in item for item in listed.body["api_keys"])
    # Only a hash is stored.
    assert secret not in json.dumps(table.items())

    # The new key works.
    assert invoke("create_incident", key["key"], body={"title": "From alertmanager"}).status == 201


def test_api_keys_need_admin(org, table):
    writer = new_key(org, "write:incidents")["key"]
    other = new_key(org, "read:incidents")
    before = table.items()

    assert invoke("create_api_key", writer, body={"name": "x", "scopes": ["admin"]}).status == 403
    assert invoke("list_api_keys", writer, query={}).status == 403
    assert invoke("revoke_api_key", writer, path_params={"key_id": other["id"]}).status == 403
    assert table.items() == before


def test_a_read_only_key_can_read_but_not_write(org, table):
    incident = invoke("create_incident", org.api_key, body={"title": "x"}).body
    service = invoke("create_service", org.api_key, body={"name": "Payments"}).body
    reader = new_key(org, "read:incidents")["key"]
    before = table.items()
    on_incident = {"incident_id": incident["id"]}

    writes = [
        invoke("create_incident", reader, body={"title": "y"}),
        invoke("update_incident", reader, path_params=on_incident, body={"title": "y"}),
        invoke("delete_incident", reader, path_params=on_incident),
        invoke("create_incident_message", reader, path_params=on_incident, body={"type": "update", "description": "y"}),
        invoke("publish_incident", reader, path_params=on_incident),
        invoke("resolve_incident", reader, path_params=on_incident, body=None),
        invoke("create_service", reader, body={"name": "Search"}),
        invoke("update_service", reader, path_params={"service_id": service["id"]}, body={"name": "y"}),
        invoke("delete_service", reader, path_params={"service_id": service["id"]}),
        invoke("create_api_key", reader, body={"name": "y", "scopes": ["admin"]}),
        invoke("list_api_keys", reader, query={}),
    ]
    for reply in writes:
        assert reply.status == 403, reply.body
        assert reply.headers["Content-Type"] == "application/problem+json"
        assert reply.body["status"] == 403
    assert table.items() == before

    reads = [
        invoke("list_incidents", reader, query={}),
        invoke("get_incident", reader, path_params=on_incident),
        invoke("list_incident_messages", reader, path_params=on_incident, query={}),
        invoke("list_services", reader, query={}),
        invoke("get_service", reader, path_params={"service_id": service["id"]}),
    ]
    assert [reply.status for reply in reads] == [200] * len(reads)
    assert reads[1].body["title"] == "x"


def test_a_write_incidents_key_manages_incidents(org):
    writer = new_key(org, "write:incidents")["key"]
    incident = invoke("create_incident", writer, body={"title": "x"})
    assert incident.status == 201
    on_incident = {"incident_id": incident.body["id"]}
    assert invoke("publish_incident", writer, path_params=on_incident).status == 200
    assert invoke("get_incident", writer, path_params=on_incident).status == 200  # write implies read
    assert invoke("delete_incident", writer, path_params=on_incident).status == 204


def test_a_revoked_key_is_refused(org):
    key = new_key(org, "write:incidents")
    assert invoke("list_incidents", key["key"], query={}).status == 200

    revoked = invoke("revoke_api_key", org.api_key, path_params={"key_id": key["id"]})

    assert revoked.status == 204
    assert invoke("list_incidents", key["key"], query={}).status == 401
    assert invoke("create_incident", key["key"], body={"title": "x"}).status == 401
    [shown] = [
        item for item in invoke("list_api_keys", org.api_key, query={}).body["api_keys"] if item["id"] == key["id"]
    ]
    assert shown["revoked_at"].endswith("Z")
    # Revoking again is harmless; the organisation's other keys still work.
    assert invoke("revoke_api_key", org.api_key, path_params={"key_id": key["id"]}).status == 204
    assert invoke("list_incidents", org.api_key, query={}).status == 200


def test_malformed_or_unknown_keys_are_refused(org):
    refused = [
        "nope",
        f"flare_{new_id('key')}_{secrets.token_hex(32)}",  # well-formed, unknown
        f"flare_{new_id('key')}_{secrets.token_hex(16)}",  # secret too short
        "flare_key_01KAQ5Z3C4B5N6P7Q8R9S0T1V3_" + "0" * 64,  # the sample events' key
    ]
    for api_key in refused:
        assert invoke("list_incidents", api_key, query={}).status == 401, api_key
        assert invoke("create_incident", api_key, body={"title": "x"}).status == 401, api_key


def test_a_known_key_id_with_the_wrong_secret_is_refused(org):
    key_id = org.api_key.split("_")[1] + "_" + org.api_key.split("_")[2]
    forged = f"flare_{key_id}_{secrets.token_hex(32)}"
    assert forged != org.api_key
    assert invoke("list_incidents", forged, query={}).status == 401
    assert invoke("list_incidents", org.api_key.upper(), query={}).status == 401
