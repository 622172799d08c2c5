"""Figure: each function's init in a fresh process ÷ the floor (python + a boto3 DynamoDB client + a Powertools
resolver with validation and one route)."""

import compileall
import functools
import os
import random
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from flare_bench.context import FUNCTIONS, Context, lambda_environment
from flare_bench.registry import Section, Verdict, figure
from flare_local.template import DEFAULT_TEMPLATE, load_template, resources_of_type

GOAL = 1.25

# Measured inside the process: interpreter start-up (and site) is not part of it.
FUNCTION_INIT = """\
import time
started = time.perf_counter()
import importlib, sys
sys.path.insert(0, {path!r})
importlib.import_module({module!r})
from flare.store import client as client_store
client_store.client()
print(time.perf_counter() - started)
"""

FLOOR_INIT = """\
import time
started = time.perf_counter()
import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
boto3.client("dynamodb")
app = APIGatewayRestResolver(enable_validation=True)
@app.get("/ping")
def ping() -> dict:
    return {"ok": True}
print(time.perf_counter() - started)
"""

FLOOR = "floor"


@dataclass(frozen=True)
class Function:
    name: str  # the directory and module: functions/<name>/<name>.py
    logical_id: str
    serves_requests: bool  # an API route, or the authorizer (the others run on a schedule)


def template_functions() -> list[Function]:
    """Every AWS::Serverless::Function in template.yaml, the authorizer included."""
    functions = []
    for logical_id, resource in resources_of_type(load_template(DEFAULT_TEMPLATE), "AWS::Serverless::Function").items():
        properties = resource["Properties"]
        module = properties["Handler"].rpartition(".")[0]
        if Path(properties["CodeUri"]).name != module:
            raise ValueError(f"{logical_id}: expected functions/<name>/<name>.py")
        events = (properties.get("Events") or {}).values()
        api = any(event.get("Type") == "Api" for event in events) or module == "authorize_request"
        functions.append(Function(module, logical_id, api))
    return functions


def _script(name: str) -> str:
    if name == FLOOR:
        return FLOOR_INIT
    return FUNCTION_INIT.format(path=str(FUNCTIONS / name), module=name)


# The Lambda environment the runs get, set by init_time (list functions read their cursor secret at cold start:
# from the embedded Secrets Manager, one round trip, as from AWS's).
_LAMBDA_ENVIRONMENT: dict[str, str | None] = {}


def _environment() -> dict[str, str]:
    environment = dict(os.environ)
    for name, value in _LAMBDA_ENVIRONMENT.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    # Lambda has no AWS config files: do not read the developer's.
    environment["AWS_CONFIG_FILE"] = environment["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    return environment


def init_seconds(name: str, *flags: str) -> tuple[float, str]:
    result = subprocess.run(
        [sys.executable, *flags, "-c", _script(name)],
        capture_output=True,
        text=True,
        env=_environment(),
        cwd=FUNCTIONS.parent,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"init of {name} failed:\n{result.stderr}")
    return float(result.stdout.strip().splitlines()[-1]), result.stderr


_IMPORT_TIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")


@functools.cache
def imports(name: str) -> dict[str, float]:
    """Module → its own import time in seconds (`python -X importtime`, one run)."""
    _seconds, log = init_seconds(name, "-X", "importtime")
    found = {}
    for line in log.splitlines():
        if match := _IMPORT_TIME.match(line):
            found[match.group(4)] = int(match.group(1)) / 1e6
    return found


def _group(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] in ("flare", "aws_lambda_powertools") else parts[0]


def what_it_adds(name: str, top: int = 6) -> str:
    """The imports `name` makes that the floor does not, by package, slowest first (self times)."""
    floor = imports(FLOOR)
    extra: dict[str, float] = {}
    for module, seconds in imports(name).items():
        if module not in floor:
            extra[_group(module)] = extra.get(_group(module), 0.0) + seconds
    ranked = sorted(extra.items(), key=lambda item: -item[1])
    shown = ", ".join(f"`{package}` {seconds * 1000:.0f} ms" for package, seconds in ranked[:top])
    return f"{shown} (of {sum(extra.values()) * 1000:.0f} ms in modules the floor does not import)"


@figure(
    "init",
    "Init in a fresh process ÷ the floor",
    goal=f"≤ {GOAL} for every function",
    order=10,
)
def init_time(context: Context) -> Section:
    server = context.dynamodb()
    _LAMBDA_ENVIRONMENT.update(lambda_environment("flare-bench", server.endpoint_url, context.cursor_secret_arn()))
    functions = template_functions()
    names = [FLOOR] + [function.name for function in functions]
    context.say("init: warming up (compiled .pyc, page cache)")
    compileall.compile_dir(FUNCTIONS, quiet=1)
    for name in names[:2]:  # the floor and one function import everything the others share
        init_seconds(name)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for repetition in range(context.repetitions):
        context.say(f"init: repetition {repetition + 1}/{context.repetitions}")
        order = names[:]
        random.shuffle(order)  # interleaved and shuffled: drift of the machine hits every function alike
        for name in order:
            samples[name].append(init_seconds(name)[0])

    floor = statistics.median(samples[FLOOR])
    ratios = {name: statistics.median(samples[name]) / floor for name in names}
    worst = max((function.name for function in functions), key=lambda name: ratios[name])
    context.say(f"init: what the slowest function ({worst}) imports beyond the floor")
    added = {worst: what_it_adds(worst)}
    rows = [f"| floor | {floor * 1000:.0f} | 1.00 | | |"]
    verdicts = []
    for function in sorted(functions, key=lambda function: -ratios[function.name]):
        ratio = ratios[function.name]
        met = ratio <= GOAL
        spread = f"{min(samples[function.name]) * 1000:.0f}–{max(samples[function.name]) * 1000:.0f}"
        rows.append(
            f"| `{function.name}` | {statistics.median(samples[function.name]) * 1000:.0f} ({spread}) | "
            f"{ratio:.2f} | ≤ {GOAL} | {'yes' if met else '**no**'} |"
        )
        why: tuple[str, ...] = ()
        if not met:
            if function.name not in added:
                added[function.name] = what_it_adds(function.name)
            why = (f"`{function.name}` imports, beyond the floor: {added[function.name]}.",)
        verdicts.append(Verdict(f"`{function.name}` init ÷ floor", f"{ratio:.2f}", f"≤ {GOAL}", met, why))

    body = f"""\
Init = a fresh `python -c` that imports the handler module (`sys.path` = `functions/<fn>`) and creates the
DynamoDB client the way the store does (`flare.store.client.client()`), timed inside the process with
`time.perf_counter()` (interpreter start-up excluded). Floor = the same for `import boto3;
boto3.client("dynamodb")` plus a Powertools `APIGatewayRestResolver(enable_validation=True)` with one route.
Environment as deployed (template.yaml `Globals`, region and credentials, no AWS config files). Warmed up
first (compiled `.pyc`, warm page cache), then {context.repetitions} repetitions,
interleaved and shuffled; figure = median init ÷ median floor. Every function of template.yaml, the
authorizer included (its floor is the same).

| function | median init, ms (min–max) | ÷ floor | goal | met |
| --- | ---: | ---: | --- | --- |
{chr(10).join(rows)}

What the slowest function, `{worst}`, imports beyond the floor (one `python -X importtime` run, own times):
{added[worst]}.

These are warm-cache figures (compiled `.pyc`, files in the page cache). A cold start that must compile
the modules (no usable `__pycache__` in what the build ships; Lambda's file system is read-only) costs more.
"""
    return Section(body, verdicts)
