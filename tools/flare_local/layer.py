"""The Lambda layer as `sam build` makes it: layers/flare/Makefile's build-FlareLayer target (template.yaml,
FlareLayer: `Metadata: BuildMethod: makefile`), run the way SAM runs it, and the checks of what it ships.

    build(artifacts_dir)                      # as sam build: flare + requirements.txt, compiled (pip, PyPI)
    build(artifacts_dir, requirements=False)  # flare only: no network (tests/unit/test_layer_build.py)
    bytecode_problems(site)                   # each .py without its valid unchecked-hash cpython-313 .pyc
    not_shipped(artifacts_dir)                # what must not be in the layer but is (tests, tools, build files)

Used by tests/unit/test_layer_build.py and by the benchmark's bytecode figure (tools/flare_bench).
"""

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

from flare_local.template import REPO_ROOT

LAYER_DIR = REPO_ROOT / "layers" / "flare"
MAKEFILE = LAYER_DIR / "Makefile"
TARGET = "build-FlareLayer"  # build-<logical id>: what SAM runs
RUNTIME_CACHE_TAG = "cpython-313"  # the .pyc names of the python3.13 runtime: __pycache__/<module>.cpython-313.pyc
# Flags of a hash-based .pyc that is not checked against its source (PEP 552): bit 0 hash-based, bit 1 check_source.
UNCHECKED_HASH = 0b01
# Never in the layer: the repository's tests and tools, and the build's own files.
NOT_SHIPPED_DIRS = {"tests", "test", "tools", "flare_local", "flare_bench", "flare_cli", "bin"}
NOT_SHIPPED_FILES = {"Makefile", "requirements.txt", "pyproject.toml", "conftest.py"}


def build(
    artifacts_dir: Path, *, arch: str | None = None, requirements: bool = True, **variables: str
) -> subprocess.CompletedProcess[str]:
    """Run the layer's build target into `artifacts_dir` (the layer's root: it gets `python/`), from a scratch
    directory as SAM does. `arch`: FLARE_LAYER_ARCH (default the Makefile's, arm64). `variables`: more make
    variables (LAYER_PYTHON=...). Returns the completed make (not checked: the caller reads returncode)."""
    make = shutil.which("make")
    if make is None:
        raise RuntimeError("the layer is built by make (layers/flare/Makefile): no make on PATH")
    artifacts_dir.mkdir(parents=True, exist_ok=True)
    command = [make, "--no-print-directory", "--makefile", str(MAKEFILE), TARGET, f"ARTIFACTS_DIR={artifacts_dir}"]
    if arch:
        command.append(f"FLARE_LAYER_ARCH={arch}")
    if not requirements:
        command.append("LAYER_REQUIREMENTS=")
    command += [f"{name}={value}" for name, value in variables.items()]
    # Not the make that may be running us (`make test`): its flags and variables are not the build's.
    environment = {
        name: value for name, value in os.environ.items() if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    }
    return subprocess.run(
        command, cwd=artifacts_dir, env=environment, capture_output=True, text=True, timeout=600, check=False
    )


def modules(site: Path) -> list[Path]:
    """Every .py under `site` (the layer's python/), sorted."""
    return sorted(path for path in site.rglob("*.py") if "__pycache__" not in path.parts)


def bytecode_problems(site: Path) -> list[str]:
    """Each module of `site` whose __pycache__/<module>.cpython-313.pyc is missing, or is not the runtime's
    (magic number), not unchecked-hash, or not compiled from the source next to it (its source hash)."""
    problems = []
    for source in modules(site):
        pyc = source.parent / "__pycache__" / f"{source.stem}.{RUNTIME_CACHE_TAG}.pyc"
        relative = source.relative_to(site)
        if not pyc.is_file():
            problems.append(f"{relative}: no __pycache__/{pyc.name}")
            continue
        header = pyc.read_bytes()[:16]
        flags = int.from_bytes(header[4:8], "little")
        if header[:4] != importlib.util.MAGIC_NUMBER:
            problems.append(f"{relative}: magic {header[:4].hex()}, not {importlib.util.MAGIC_NUMBER.hex()}")
        elif flags != UNCHECKED_HASH:
            problems.append(f"{relative}: pyc flags {flags:#04b}, not unchecked-hash ({UNCHECKED_HASH:#04b})")
        elif header[8:16] != importlib.util.source_hash(source.read_bytes()):
            problems.append(f"{relative}: its .pyc was compiled from another source")
    return problems


def not_shipped(artifacts_dir: Path) -> list[str]:
    """What the layer holds but must not: anything beside python/ at its root, and below it the repository's
    tests and tools, console scripts (bin/) and the build's files."""
    found = [entry.name for entry in artifacts_dir.iterdir() if entry.name != "python"]
    for path in (artifacts_dir / "python").rglob("*"):
        if (path.is_dir() and path.name in NOT_SHIPPED_DIRS) or (path.is_file() and path.name in NOT_SHIPPED_FILES):
            found.append(str(path.relative_to(artifacts_dir)))
    return sorted(found)
