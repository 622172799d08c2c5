"""Figure: a fresh process's init with no usable bytecode (a read-only file system and none shipped) ÷ its init
on the layer as `sam build` builds it (layers/flare/Makefile: every module with an unchecked-hash .pyc).

The layer is built for real (flare_local.layer: the Makefile's target, pip from PyPI, for this machine's
architecture) and copied into the variants compared: no bytecode (what `BuildMethod: python3.13` shipped), the
timestamp .pyc that compileall writes by default (with the sources dated as SAM's zip dates them), checked-hash
.pyc, and the built layer itself."""

import compileall
import json
import os
import py_compile
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flare_bench.context import FUNCTIONS, Context, lambda_environment
from flare_bench.registry import Section, Verdict, figure
from flare_local import layer
from flare_local.sam_local import host_arch

GOAL = 1.2
# The authorizer (before every request API Gateway has not cached), a write and a list: between them every part
# of the layer a function imports (the list functions also read the cursor secret at cold start).
HANDLERS = ("authorize_request", "create_incident", "list_incidents")
# SAM zips each file with the zip format's default date (samcli.lib.package.utils.make_zip_with_permissions).
ZIP_DATE = time.mktime((1980, 1, 1, 0, 0, 0, 0, 0, -1))
LAMBDA_SITE = "/opt/python"  # where Lambda unpacks the layer's python/ (the .pyc name their sources there)

IMPORT = "import sys; sys.path[:0] = [{function!r}, {site!r}]; import {module}"
# Once per variant and handler before the timed runs: every module imported comes from the layer, the function's
# directory or the standard library (nothing from this virtual environment).
FOREIGN_MODULES = """\
import json, sys, sysconfig
sys.path[:0] = [{function!r}, {site!r}]
import {module}
allowed = ({function!r}, {site!r}, sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
files = (getattr(module, "__file__", None) for module in list(sys.modules.values()))
print(json.dumps(sorted(file for file in files if file and not file.startswith(allowed))))
"""


@dataclass(frozen=True)
class Variant:
    key: str
    label: str  # as the table heads it
    prepare: Callable[[Path, Path], None]  # (built site, this variant's site)


def _sources(built: Path, site: Path) -> None:
    shutil.copytree(built, site, ignore=shutil.ignore_patterns("__pycache__"))


def _compiled(mode: py_compile.PycInvalidationMode) -> Callable[[Path, Path], None]:
    def prepare(built: Path, site: Path) -> None:
        _sources(built, site)
        if not compileall.compile_dir(
            site, quiet=1, invalidation_mode=mode, stripdir=str(site), prependdir=LAMBDA_SITE
        ):
            raise RuntimeError(f"compileall ({mode.name}) failed in {site}")

    return prepare


def _timestamp_zip_dated(built: Path, site: Path) -> None:
    _compiled(py_compile.PycInvalidationMode.TIMESTAMP)(built, site)
    for source in layer.modules(site):
        os.utime(source, (ZIP_DATE, ZIP_DATE))


VARIANTS = (
    Variant("none", "no bytecode", _sources),
    Variant("timestamp", "timestamp .pyc, zip-dated sources", _timestamp_zip_dated),
    Variant("checked", "checked-hash .pyc", _compiled(py_compile.PycInvalidationMode.CHECKED_HASH)),
    Variant("built", "built layer (unchecked-hash)", lambda built, site: None),
)
BUILT = "built"


def _environment() -> dict[str, str]:
    """As deployed (template.yaml Globals, region, dummy credentials, no AWS config files), no PYTHON* variable
    of this shell, and PYTHONDONTWRITEBYTECODE=1: like Lambda's read-only /opt, nothing compiled is written."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PYTHON")}
    variables = lambda_environment("flare-bench", "http://127.0.0.1:9", "")
    for name, value in variables.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    environment.pop("CURSOR_SECRET_ARN", None)  # the value itself: no Secrets Manager round trip in the import
    environment["CURSOR_SECRET"] = "flare-bench-cursor-secret"
    environment["AWS_CONFIG_FILE"] = environment["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return environment


def _run(script: str, environment: dict[str, str], cwd: Path) -> tuple[float, str]:
    """Wall time of a whole `python -S -c script` process (start-up and exit included), and its output."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-S", "-c", script],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=180,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"`python -S -c {script!r}` failed:\n{result.stderr}")
    return seconds, result.stdout


def _megabytes(paths: list[Path]) -> float:
    return sum(path.stat().st_size for path in paths) / 1e6


@figure(
    "bytecode",
    "Init with no usable bytecode (read-only, none shipped) ÷ the built layer",
    goal=f"≥ {GOAL} for every handler measured",
    order=60,
)
def layer_bytecode(context: Context) -> Section:
    with tempfile.TemporaryDirectory(prefix="flare-bench-layer-") as scratch:
        return _measure(context, Path(scratch))


def _measure(context: Context, scratch: Path) -> Section:
    arch = host_arch()
    context.say(f"bytecode: building the layer (layers/flare/Makefile, {arch}; pip from PyPI)")
    started = time.perf_counter()
    result = layer.build(scratch / "FlareLayer", arch=arch)
    build_seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"make {layer.TARGET} failed:\n{result.stdout}\n{result.stderr}")
    built = scratch / "FlareLayer" / "python"
    problems = layer.bytecode_problems(built) + layer.not_shipped(scratch / "FlareLayer")
    if problems:
        raise RuntimeError("the built layer is not what it should be:\n" + "\n".join(problems[:20]))
    sources = layer.modules(built)
    pycs = [path for path in built.rglob("*.pyc")]
    layer_files = [path for path in built.rglob("*") if path.is_file()]

    sites = {}
    for variant in VARIANTS:
        sites[variant.key] = built if variant.key == BUILT else scratch / variant.key / "python"
        variant.prepare(built, sites[variant.key])

    environment = _environment()
    pairs = [(variant.key, handler) for variant in VARIANTS for handler in HANDLERS]

    def script(template: str, key: str, handler: str) -> str:
        return template.format(function=str(FUNCTIONS / handler), site=str(sites[key]), module=handler)

    context.say("bytecode: warming up (page cache) and checking what each import loads")
    for key, handler in pairs:
        _seconds, output = _run(script(FOREIGN_MODULES, key, handler), environment, scratch)
        foreign = json.loads(output.strip().splitlines()[-1])
        if foreign:
            raise RuntimeError(f"{handler} on {key} imported modules from outside the layer: {foreign[:5]}")

    samples: dict[tuple[str, str], list[float]] = {pair: [] for pair in pairs}
    for repetition in range(context.repetitions):
        context.say(f"bytecode: repetition {repetition + 1}/{context.repetitions}")
        order = pairs[:]
        random.shuffle(order)  # interleaved and shuffled: drift of the machine hits every variant alike
        for key, handler in order:
            samples[(key, handler)].append(_run(script(IMPORT, key, handler), environment, scratch)[0])
    written = [path for path in sites["none"].rglob("*.pyc")]
    if written:
        raise RuntimeError(f"the runs wrote bytecode (PYTHONDONTWRITEBYTECODE ignored?): {written[:3]}")

    def median(key: str, handler: str) -> float:
        return statistics.median(samples[(key, handler)])

    rows, verdicts = [], []
    for handler in HANDLERS:
        floor = median(BUILT, handler)
        cells = []
        for variant in VARIANTS:
            values = samples[(variant.key, handler)]
            spread = f"{min(values) * 1000:.0f}–{max(values) * 1000:.0f}"
            ratio = "" if variant.key == BUILT else f", **{median(variant.key, handler) / floor:.2f}**"
            cells.append(f"{median(variant.key, handler) * 1000:.0f} ({spread}){ratio}")
        ratio = median("none", handler) / floor
        met = ratio >= GOAL
        rows.append(f"| `{handler}` | {' | '.join(cells)} | ≥ {GOAL} | {'yes' if met else '**no**'} |")
        why = (
            "The layer's .pyc are not used at import: `python -v` names each module it compiled from source "
            "(`code object from …/x.py`); flare_local.layer.bytecode_problems checks magic, flags and source hash.",
        )
        verdicts.append(
            Verdict(f"`{handler}` no bytecode ÷ built layer", f"{ratio:.2f}", f"≥ {GOAL}", met, () if met else why)
        )

    heads = " | ".join(f"{variant.label}, ms" for variant in VARIANTS)
    body = f"""\
What a cold start costs when the layer carries no bytecode. Lambda's file system is read-only: Python cannot
write the .pyc it compiles, so without them every cold start compiles the layer's modules in memory again.

The layer is built here as `sam build` builds it (`layers/flare/Makefile`, target `build-FlareLayer`):
{arch}, {build_seconds:.0f} s (pip from PyPI and its cache), {len(sources)} modules, {_megabytes(layer_files):.0f} MB
unzipped of which {_megabytes(pycs):.1f} MB are .pyc. Then copied into the variants, the same sources in each:

- **no bytecode**: the layer without its `__pycache__`, what `BuildMethod: python3.13` shipped;
- **timestamp .pyc, zip-dated sources**: compileall's default .pyc, which record their source's mtime, with the
  sources dated 1980-01-01 as SAM's zip dates every file: every .pyc is stale, the import compiles anyway;
- **checked-hash .pyc**: valid whatever the dates, but each import reads and hashes its source;
- **built layer**: what the Makefile ships, unchecked-hash .pyc (a layer version never changes).

Init = the wall time of a whole fresh process, `python -S -c "import <handler>"` with `sys.path` = the
function's directory and the variant's `python/` (start-up and exit included; `-S`: nothing from a virtual
environment, checked once per variant and handler: every module comes from the layer, the function or the
standard library). The standard library keeps its own .pyc, as Lambda's runtime has them; that is why the empty
cache is emulated by a layer without `__pycache__` rather than an empty `PYTHONPYCACHEPREFIX`, which would discard
the standard library's too. `PYTHONDONTWRITEBYTECODE=1` stands for the read-only file system (checked: nothing was
written), environment as deployed. Warmed up (page cache), then {context.repetitions} repetitions of every
variant and handler, interleaved and shuffled. Each cell: median (min–max) and, in bold, ÷ the built layer's
median; the figure is no bytecode ÷ built layer.

| handler | {heads} | goal | met |
| --- | ---: | ---: | ---: | ---: | --- | --- |
{chr(10).join(rows)}
"""
    return Section(body, verdicts)
