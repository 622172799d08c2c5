"""The house rules that keep Flare quick to understand and quick to start."""

import subprocess
import sys

from flare_local import openapi_spec


def test_rules_import_neither_boto3_nor_the_http_layer():
    probe = (
        "import sys, flare.rules.lifecycle, flare.rules.rollup, flare.rules.vocabulary;"
        "heavy = [m for m in ('boto3', 'botocore', 'aws_lambda_powertools', 'flare.http', 'flare.store')"
        " if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, f"the rules pulled in {result.stdout.strip()}"


def test_committed_openapi_matches_the_code():
    committed = openapi_spec.SPEC_PATH.read_text()
    assert openapi_spec.render() == committed, "docs/openapi.json is out of date: run `make openapi`"
