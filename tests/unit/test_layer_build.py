"""The Lambda layer ships compiled (layers/flare/Makefile, README "Deploying to AWS"): `sam build` runs its
build-FlareLayer target, which puts flare and its requirements into python/ with an unchecked-hash .pyc for the
runtime's Python next to every module, and nothing else. Without Docker and without the network: the build here
is flare only (the requirements go through the same compileall; the bytecode figure of BENCHMARKS.md builds and
checks the whole layer)."""

import importlib.util
import marshal
import re
import sys
from pathlib import Path

import pytest

from flare_local import layer
from flare_local.template import DEFAULT_TEMPLATE, load_template, resources_of_type

TEMPLATE = load_template(DEFAULT_TEMPLATE)
LAYERS = resources_of_type(TEMPLATE, "AWS::Serverless::LayerVersion")
MAKEFILE = layer.MAKEFILE.read_text()


def makefile_variable(name: str) -> str:
    match = re.search(rf"^{name} :?= *(\S+) *$", MAKEFILE, re.MULTILINE)
    assert match, f"layers/flare/Makefile sets no {name}"
    return match.group(1)


def test_sam_builds_the_layer_with_its_makefile():
    assert list(LAYERS) == ["FlareLayer"], "one layer, the target build-FlareLayer is named after it"
    flare_layer = LAYERS["FlareLayer"]
    assert flare_layer["Metadata"]["BuildMethod"] == "makefile"
    assert (DEFAULT_TEMPLATE.parent / flare_layer["Properties"]["ContentUri"]).resolve() == layer.LAYER_DIR
    assert re.search(rf"^{layer.TARGET}:", MAKEFILE, re.MULTILINE), f"no {layer.TARGET} target"


def test_the_makefile_compiles_for_the_runtime_of_the_template():
    runtime = f"python{makefile_variable('RUNTIME_PYTHON')}"
    assert TEMPLATE["Globals"]["Function"]["Runtime"] == runtime
    assert LAYERS["FlareLayer"]["Properties"]["CompatibleRuntimes"] == [runtime]
    assert "cpython-" + makefile_variable("RUNTIME_PYTHON").replace(".", "") == layer.RUNTIME_CACHE_TAG
    if sys.version_info[:2] == (3, 13):  # the project's Python: its magic is the runtime's
        assert makefile_variable("RUNTIME_PYC_MAGIC") == importlib.util.MAGIC_NUMBER.hex()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    artifacts = tmp_path_factory.mktemp("FlareLayer")
    result = layer.build(artifacts, requirements=False)
    assert result.returncode == 0, f"make {layer.TARGET} failed:\n{result.stdout}\n{result.stderr}"
    return artifacts


def test_every_module_of_the_layer_has_its_bytecode_for_the_runtime(built: Path):
    site = built / "python"
    assert layer.modules(site), "the build shipped no module"
    assert layer.bytecode_problems(site) == []


def test_the_layer_ships_the_flare_package_and_nothing_else(built: Path):
    site = built / "python"
    assert [entry.name for entry in site.iterdir()] == ["flare"]
    source = layer.LAYER_DIR / "flare"
    expected = {path.relative_to(source) for path in source.rglob("*.py") if "__pycache__" not in path.parts}
    assert {path.relative_to(site / "flare") for path in layer.modules(site)} == expected
    assert layer.not_shipped(built) == []


def test_the_bytecode_names_the_files_where_lambda_unpacks_them(built: Path):
    """Tracebacks name /opt/python/flare/..., not the directory the build ran in."""
    pyc = built / "python" / "flare" / "__pycache__" / f"__init__.{layer.RUNTIME_CACHE_TAG}.pyc"
    code = marshal.loads(pyc.read_bytes()[16:])
    assert code.co_filename == "/opt/python/flare/__init__.py"


def test_another_python_fails_the_build_and_ships_nothing(tmp_path: Path):
    """The .pyc of any other Python than the runtime's would be ignored on Lambda: the build refuses to run."""
    result = layer.build(tmp_path, requirements=False, LAYER_PYTHON=sys.executable, RUNTIME_PYTHON="3.12")
    assert result.returncode != 0
    assert "the runtime is python3.12" in result.stderr
    assert list(tmp_path.iterdir()) == []
