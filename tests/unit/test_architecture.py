"""The house rules that keep Flare quick to understand and quick to start: one room per feature, pure rules, thin
handlers, and storage reached only through the feature that owns it."""

import ast
import subprocess
import sys
from pathlib import Path

from flare_local import openapi_spec

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "flare" / "flare"
FEATURES = ("incidents", "maintenances", "catalog", "access", "alerting", "status_pages", "events", "webhooks")
# The pure rules of each feature: decisions only, no I/O.
RULES = (
    "flare.incidents.lifecycle",
    "flare.incidents.dedupe",
    "flare.catalog.rollup",
    "flare.maintenances.rules",
    "flare.alerting.slash_commands",
    "flare.alerting.signatures",
    "flare.alerting.announcements_rules",
    "flare.alerting.slack_text",
    "flare.alerting.senders",
    "flare.events.derivation",
    "flare.webhooks.rules",
)
SHARED_TYPES = ("flare.fields", "flare.clock")
# Each feature's own aggregates in the store; queries and errors are the store's shared pieces.
STORAGE = {
    "incidents": {"incidents", "claims"},
    "maintenances": {"maintenances"},
    "catalog": {"services", "metrics"},
    "access": {"access"},
    "alerting": {"integrations", "deliveries", "slack_threads"},
    "status_pages": {"status_pages"},
    "events": {"changes"},
    "webhooks": {"webhooks"},
}
SHARED_STORAGE = {"queries", "errors"}
MAX_LINES = 400


def _module(path: Path) -> str:
    parts = path.relative_to(LAYER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, *, runtime_only: bool = True) -> set[str]:
    """The flare modules `path` imports."""
    tree = ast.parse(path.read_text())
    skipped = set()
    if runtime_only:  # `if TYPE_CHECKING:` imports only annotate
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
                skipped |= {id(child) for child in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {_imported(node.module, alias.name) for alias in node.names}
    return {name for name in found if name == "flare" or name.startswith("flare.")}


def _imported(module: str, name: str) -> str:
    """`from module import name`: the submodule module.name when there is one, else module itself."""
    candidate = LAYER.parent.joinpath(*f"{module}.{name}".split("."))
    return f"{module}.{name}" if candidate.with_suffix(".py").exists() or candidate.is_dir() else module


def _layer_files() -> list[Path]:
    return sorted(LAYER.rglob("*.py"))


def _is_rule(module: str) -> bool:
    return any(module == rule or module.startswith(rule + ".") for rule in RULES)


def _within(name: str, modules: tuple[str, ...]) -> bool:
    return any(name == module or name.startswith(module + ".") for module in modules)


def test_rules_import_only_rules_and_the_shared_types():
    for path in _layer_files():
        module = _module(path)
        if not _is_rule(module):
            continue
        foreign = {name for name in _imports(path) if not (_is_rule(name) or _within(name, SHARED_TYPES))}
        assert not foreign, f"{module} is a rule but imports {sorted(foreign)}"


def test_rules_pull_in_no_aws_sdk_and_no_http_or_store():
    probe = (
        f"import sys, {', '.join(RULES)};"
        "heavy = [m for m in ('boto3', 'botocore', 'aws_lambda_powertools', 'flare.http', 'flare.store')"
        " if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, f"the rules pulled in {result.stdout.strip()}{result.stderr.strip()}"


def test_a_feature_reaches_storage_only_through_its_port():
    """A feature's port (its port.py) is the one module that names its store modules, and only its own: its use
    cases can then run on the in-memory store (tests/use_cases); another feature's data is read and changed
    through that feature's use cases."""
    for feature in FEATURES:
        for path in sorted((LAYER / feature).rglob("*.py")):
            allowed = SHARED_STORAGE | (STORAGE[feature] if path.name == "port.py" else set())
            reached = {name.split(".")[2] for name in _imports(path) if name.startswith("flare.store.")}
            assert reached <= allowed, f"{_module(path)} reaches {sorted(reached - allowed)} of the store"
        assert (LAYER / feature / "port.py").exists(), f"{feature} has no port"


def test_the_store_and_the_shared_pieces_import_no_feature_use_cases():
    for path in _layer_files():
        module = _module(path)
        if _within(module, ("flare.store", "flare.http", "flare.fields", "flare.settings")):
            reached = {name for name in _imports(path) if ".use_cases" in name}
            assert not reached, f"{module} imports use cases {sorted(reached)}"


def test_handlers_import_no_store():
    for path in sorted((ROOT / "functions").glob("*/*.py")):
        reached = {name for name in _imports(path) if _within(name, ("flare.store",))}
        assert not reached, f"{path.relative_to(ROOT)} imports {sorted(reached)}: go through its feature"


def test_every_file_of_the_layer_stays_small():
    long = {
        str(path.relative_to(LAYER)): n
        for path in _layer_files()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"over {MAX_LINES} lines: {long}"


def test_every_file_of_the_layer_lives_in_a_feature_or_is_one_piece_of_shared_infrastructure():
    top = {path.name for path in LAYER.iterdir() if not path.name.startswith(("_", "."))} - {"__pycache__"}
    shared = {"store", "http", "fields.py", "settings.py", "observability.py", "errors.py", "clock.py", "ids.py"}
    shared |= {"retry.py", "cursor.py", "preconditions.py", "ports.py", "messaging"}
    assert top <= set(FEATURES) | shared, f"neither a feature nor shared: {sorted(top - set(FEATURES) - shared)}"


def test_committed_openapi_matches_the_code():
    committed = openapi_spec.SPEC_PATH.read_text()
    assert openapi_spec.render() == committed, "docs/openapi.json is out of date: run `make openapi`"
