"""Property-based fuzzing (Schemathesis) of every operation the local stack serves in its /openapi.json.

Generated from the spec: an endpoint added later is fuzzed without touching this file. Each operation gets
Schemathesis' examples, coverage and fuzzing phases, with valid and invalid (negative) data, authenticated
with a demo-organisation key holding every scope, and every response must:

- not be a server error (5xx: a 500 is always a bug, and nothing here makes DynamoDB unavailable);
- have a documented status code, a documented content type, and a body that matches the documented schema.

Each path parameter `<kind>_id` is drawn either from the generator or from real resources of that kind in
the demo organisation (made by POST on its collection), so the fuzzer gets past the 404 into the handlers.

`make test` runs a few examples per operation, derandomised (the same cases every run: no flaky CI).
`make fuzz` runs FLARE_FUZZ_EXAMPLES (500 there) per operation with a fresh seed, or FLARE_FUZZ_SEED's.
"""

import os
import random

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from flare_local import openapi_spec
from tests.e2e.openapi_cases import OPERATIONS, Organisation

EXAMPLES = int(os.environ.get("FLARE_FUZZ_EXAMPLES") or 0)
DEEP = EXAMPLES > 0
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# make fuzz: a fresh seed each run, named in every failure so that FLARE_FUZZ_SEED can replay it.
SEED = int(os.environ.get("FLARE_FUZZ_SEED") or random.randrange(2**32)) if DEEP else None

# The stack serves this very file at /openapi.json (flare_local.gateway reads it on each request and only adds
# `servers`; test_the_fuzzed_document_is_the_one_served checks it). Loading it at import gives one pytest
# test per operation: Schemathesis' lazy loader (schemathesis.pytest.from_fixture) fails on pytest 9.2.
schema = schemathesis.openapi.from_path(
    openapi_spec.SPEC_PATH,
    config=schemathesis.Config.from_dict(
        {
            "generation": {"deterministic": not DEEP, "database": "none"},
            # A sweep of the maintenances the fuzzer made may hold the stack for a while (it runs every minute).
            "request-timeout": 60,
            **({"seed": SEED} if DEEP else {}),
        }
    ),
)
# path parameter → real ids of its kind, filled by the `real_ids` fixture before the first case is drawn.
REAL_IDS: dict[str, list[str]] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Each path parameter: the generated value or one of the real ids of its kind."""
    parameters = path_parameters or {}
    choices = {name: st.sampled_from([generated, *REAL_IDS.get(name, [])]) for name, generated in parameters.items()}
    return st.fixed_dictionaries(choices) if choices else st.just(path_parameters)


@pytest.fixture(scope="module", autouse=True)
def real_ids(fuzz_stack, fuzz_key):
    """Three resources of each kind a path parameter names, in the demo organisation (the fuzzer may change or
    delete them, revoke the keys among them: the checks hold for every answer). Never the fuzzer's own key."""
    owners = [Organisation(fuzz_stack, fuzz_key, f"fuzz target {n}") for n in range(3)]
    for owner in owners:
        for _, path in OPERATIONS:
            owner.path(path)
    REAL_IDS.update({name: [owner.ids[name] for owner in owners] for name in owners[0].ids})
    REAL_IDS.update(slug=["demo"], record=["INC-1"])  # `make dev`'s status page, and an incident reference
    yield
    REAL_IDS.clear()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES if DEEP else 6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_every_operation_conforms_to_the_spec(case, fuzz_stack, fuzz_key):
    try:
        case.call_and_validate(
            base_url=fuzz_stack.base_url, headers={"Authorization": f"Bearer {fuzz_key}"}, checks=CHECKS
        )
    except Exception as failure:
        if DEEP:
            failure.add_note(f"FLARE_FUZZ_SEED={SEED} FLARE_FUZZ_EXAMPLES={EXAMPLES} draws these cases again")
        raise


def test_the_fuzzed_document_is_the_one_served(fuzz_stack):
    served = httpx.get(f"{fuzz_stack.base_url}/openapi.json").json()
    served.pop("servers", None)
    assert served == {key: value for key, value in openapi_spec.committed().items() if key != "servers"}
