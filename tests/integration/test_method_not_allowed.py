"""A method a path does not serve is a 405 with `Allow` (API Gateway sends it to the path's ANY method, which is
functions/method_not_allowed), never the 404 of a path that does not exist."""

import pytest

from flare_local.template import load_template, resources_of_type
from tests.support.invoking import ROOT, invoke

TEMPLATE = load_template(ROOT / "template.yaml")


def routes() -> tuple[dict[str, set[str]], set[str]]:
    """The template's methods by path, and the paths the 405 function takes (ANY)."""
    served: dict[str, set[str]] = {}
    caught: set[str] = set()
    for resource in resources_of_type(TEMPLATE, "AWS::Serverless::Function").values():
        for event in (resource["Properties"].get("Events") or {}).values():
            if event["Type"] != "Api":
                continue
            path, method = event["Properties"]["Path"], event["Properties"]["Method"].upper()
            if method == "ANY":
                assert resource["Properties"]["CodeUri"].rstrip("/").endswith("method_not_allowed"), path
                caught.add(path)
            else:
                served.setdefault(path, set()).add(method)
    return served, caught


def allowed_table() -> dict[str, tuple[str, ...]]:
    import importlib
    import sys

    sys.path.insert(0, str(ROOT / "functions" / "method_not_allowed"))
    return importlib.import_module("method_not_allowed").ALLOWED


def test_every_path_of_the_api_sends_its_other_methods_to_the_405_function_with_the_right_allow(table):
    # `table`: the environment a deployed function has (importing a handler checks its configuration).
    served, caught = routes()

    assert caught == set(served)
    assert {path: set(methods) for path, methods in allowed_table().items()} == served


@pytest.mark.parametrize("path", sorted(routes()[0]))
def test_a_method_the_path_does_not_serve_is_a_405_naming_the_ones_it_does(org, path):
    allowed = sorted(routes()[0][path])
    method = next(m for m in ("PUT", "PATCH", "DELETE", "GET", "POST") if m not in allowed)
    parameters = {segment[1:-1]: "x" for segment in path.split("/") if segment.startswith("{")}

    reply = invoke("method_not_allowed", org.api_key, path_params=parameters or None, body=None, route=(method, path))

    assert reply.status == 405, reply.body
    assert reply.headers["Allow"] == ", ".join(allowed)
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert reply.body["status"] == 405 and method in reply.body["detail"]
