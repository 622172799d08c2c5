"""DynamoDB round trips per request, counted with the benchmark's own hook and scenarios
(`flare_bench.round_trips`): a request that starts spending more fails here, not in production.

Each count is what the code does today. Where it is above the goal of BENCHMARKS.md ("DynamoDB round trips per
request": 1 for create, get, list, message, resolve and patch, the rate-limit counter excluded; ≤ 2 on a
dedupe hit), the line says so and BENCHMARKS.md says why; lowering one of those is welcome (update it here).
"""

import pytest

from flare_bench.round_trips import AUTHORIZER, SCENARIOS, count

TRANSACT, QUERY, BATCH_GET = "TransactWriteItems", "Query", "BatchGetItem"
ABOVE_GOAL = "above the goal: see BENCHMARKS.md"

# Each request's own DynamoDB calls, in order (the rate-limit counter and the authorizer are asserted below).
EXPECTED = {
    "create": [TRANSACT],
    "create_affecting_a_service": [TRANSACT, BATCH_GET],  # ABOVE_GOAL (1): the answer's service statuses
    # ABOVE_GOAL (≤ 2): the failed claim names the incident, the repeat is counted, then its timeline is read
    "create_dedupe_hit": [TRANSACT, "UpdateItem", QUERY],
    "create_dedupe_hit_affecting_a_service": [TRANSACT, "UpdateItem", QUERY, BATCH_GET],  # ABOVE_GOAL (≤ 2)
    "alert_new": [BATCH_GET, TRANSACT],  # the integration, the key's claim and the named services: one BatchGet
    "alert_repeat": [BATCH_GET, "UpdateItem"],
    "alert_resolved": [BATCH_GET, QUERY, TRANSACT],
    "from_metric_new": [BATCH_GET, TRANSACT, BATCH_GET],  # the metric with its claim; the answer's service status
    "from_metric_repeat": [BATCH_GET, "UpdateItem", QUERY, BATCH_GET],  # + the answer: the incident's timeline
    "create_with_idempotency_key": ["PutItem", TRANSACT, "UpdateItem"],  # Powertools' record: claim, then save
    "create_idempotent_replay": ["PutItem"],  # the failed claim returns the stored answer
    "get": [QUERY],
    "get_affecting_a_service": [QUERY, BATCH_GET],  # ABOVE_GOAL (1)
    "list": [QUERY],
    "list_affecting_services": [QUERY, BATCH_GET],  # ABOVE_GOAL (1): one BatchGetItem for the whole page
    "message": [TRANSACT],
    "message_that_resolves": [QUERY, TRANSACT],  # ABOVE_GOAL (1): read-modify-write
    "message_that_resolves_affecting_a_service": [QUERY, TRANSACT],  # ABOVE_GOAL (1): answers the message only
    "message_that_reopens": [TRANSACT, QUERY, TRANSACT],  # ABOVE_GOAL (1): the blind append fails first
    "resolve": [QUERY, TRANSACT],  # ABOVE_GOAL (1): read-modify-write
    "resolve_affecting_a_service": [QUERY, TRANSACT, BATCH_GET],  # ABOVE_GOAL (1)
    "patch": [QUERY, TRANSACT],  # ABOVE_GOAL (1): read-modify-write
    "patch_affecting_a_service": [QUERY, TRANSACT, BATCH_GET],  # ABOVE_GOAL (1)
    "publish": [QUERY, TRANSACT],
    "publish_affecting_a_service": [QUERY, TRANSACT, BATCH_GET],
    "delete": [QUERY, TRANSACT, QUERY, "BatchWriteItem"],  # the incident, then its messages
    "list_messages": [QUERY, QUERY],  # the incident, then its messages
    "create_service": [TRANSACT],
    "get_service": ["GetItem"],
    "list_services": [QUERY],
    "patch_service": ["GetItem", TRANSACT],
    "delete_service": ["GetItem", TRANSACT],
    "create_api_key": ["PutItem"],
    "list_api_keys": [QUERY],
    "revoke_api_key": ["UpdateItem"],
    "create_maintenance": [TRANSACT],
    "create_maintenance_affecting_a_service": [TRANSACT, BATCH_GET],
    "get_maintenance": [QUERY],
    "get_maintenance_affecting_a_service": [QUERY, BATCH_GET],
    "list_maintenances": [QUERY],
    "patch_maintenance": [QUERY, TRANSACT],
    "start_maintenance": [QUERY, TRANSACT],
    "start_maintenance_affecting_a_service": [QUERY, TRANSACT, BATCH_GET],
    "complete_maintenance": [QUERY, TRANSACT],
    "cancel_maintenance": [QUERY, TRANSACT],
    "authorize": [],  # its own GetItem is asserted below
}


def test_every_scenario_has_an_expected_count():
    assert sorted(EXPECTED) == sorted(scenario.name for scenario in SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_round_trips(org, scenario):
    trips = count(scenario, org)

    assert trips.operations == EXPECTED[scenario.name]
    # The authorizer reads the key once (API Gateway then caches it); every request it lets through spends
    # one rate-limit UpdateItem on its RATE# counter before anything else.
    assert trips.authorizer == ["GetItem"]
    assert trips.rate_limit == ([] if scenario.function == AUTHORIZER else ["UpdateItem"])


def test_the_goals_met_today_stay_met():
    met = [scenario.name for scenario in SCENARIOS if scenario.goal and len(EXPECTED[scenario.name]) <= scenario.goal]
    assert sorted(met) == ["alert_new", "alert_repeat", "create", "get", "list", "message"]
