"""Where a request's time goes, DynamoDB excluded: a sampling profiler for the main thread.

Every fraction of a millisecond while `active`, the running stack is sampled. A sample inside botocore (or the
HTTP and socket code under it) is DynamoDB's and left out. Any other is counted twice:

- by **stage** of the request: the rate-limit counter, body checks, the route (split into the store and the
  domain), Powertools' response validation, logging, metrics, the rest of Powertools (routing, parsing,
  request validation, the JSON answer);
- by **module**: the innermost Flare or Powertools frame (`flare.store`, `powertools.logging`, ...) and, when
  the time is spent below it in a library, that library (`powertools.event_handler › pydantic`).
"""

import dis
import signal
import sysconfig
from collections import Counter
from types import CodeType, FrameType

_STDLIB = sysconfig.get_paths()["stdlib"]
_EXCLUDED = ("botocore", "urllib3", "s3transfer")
_EXCLUDED_STDLIB = ("http", "socket", "ssl", "selectors", "email", "threading", "queue")

ROUTE_STORE = "route › store: items to and from DynamoDB's format, models"
ROUTE_DOMAIN = "route › domain: models, rules, the answer model"
STAGES = {
    "rate_limit": "rate-limit counter (its DynamoDB call excluded)",
    "body": "body checks (`http.body.check_body`)",
    "response": "response: Powertools validates the answer model against the route's type",
    "logging": "logging: Powertools Logger (correlation id, keys, one JSON line)",
    "metrics": "metrics: EMF, flushed on every request",
    "request": "Powertools, the rest: routing, event parsing, request validation, JSON answer",
    "glue": "handler glue (`http.entry.lambda_handler`)",
}


def _kind(filename: str) -> tuple[str, str]:
    """("excluded" | "owner" | "library", label) of a frame's file."""
    path = filename.replace("\\", "/")
    if "site-packages/" in path:
        parts = path.split("site-packages/", 1)[1].split("/")
        top = parts[0]
        if top in _EXCLUDED:
            return "excluded", top
        if top == "aws_lambda_powertools":
            sub = parts[1] if len(parts) > 2 else parts[-1].removesuffix(".py")
            if sub == "utilities" and len(parts) > 3:
                sub = parts[2]
            return "owner", f"powertools.{sub}"
        if top == "boto3" and len(parts) > 1 and parts[1] == "dynamodb":
            return "library", "boto3 item codec"
        if top.startswith("pydantic"):
            return "library", "pydantic"
        return "library", top.split(".")[0]
    if "/layers/flare/flare/" in path:
        module = path.split("/layers/flare/flare/", 1)[1].removesuffix(".py").replace("/", ".")
        return "owner", f"flare.{module}"
    if "/functions/" in path:
        return "owner", "route"
    if path.startswith(_STDLIB):
        module = path[len(_STDLIB) :].strip("/").split("/")[0].removesuffix(".py")
        if module in _EXCLUDED_STDLIB:
            return "excluded", module
        return "library", module
    return "library", "other"


_RESUME: dict[CodeType, int] = {}


def _just_entered(frame: FrameType) -> bool:
    """True when the frame has not run past its RESUME: a signal handled there is time its caller (or the C
    code that called it, e.g. pydantic calling a validator) spent."""
    code = frame.f_code
    if code not in _RESUME:
        _RESUME[code] = next((i.offset for i in dis.get_instructions(code) if i.opname == "RESUME"), 0)
    return frame.f_lasti <= _RESUME[code]


def classify(frame: FrameType | None) -> tuple[str, str] | None:
    """(stage, module) of a sample; None when it is DynamoDB's (inside botocore or below it)."""
    if frame is not None and _just_entered(frame) and frame.f_back is not None:
        frame = frame.f_back
    stack = []  # innermost first
    while frame is not None:
        kind, label = _kind(frame.f_code.co_filename)
        if kind == "excluded":
            return None
        stack.append((kind, label, frame.f_code.co_name))
        frame = frame.f_back

    module, below = "other", None
    for kind, label, _name in stack:
        if kind == "owner":
            module = label
            break
        below = below or label
    return _stage(stack), f"{module} › {below}" if below else module


def _stage(stack: list[tuple[str, str, str]]) -> str:
    """The stage of the innermost frame that begins one: stages nest (the whole request runs inside
    `metrics.log_metrics`, the route inside Powertools' `resolve`), so the innermost boundary tells."""
    in_store = False
    for _, label, name in stack:
        if label == "flare.store" or label.startswith("flare.store."):
            in_store = True
        if name == "_spend_rate_limit":
            return STAGES["rate_limit"]
        if name in ("_check_body", "check_body"):
            return STAGES["body"]
        # A route is a function of the handler's file, or one that a factory of flare.http.routes built.
        if label == "route" or (label == "flare.http.routes" and name in ("route", "run")):
            return ROUTE_STORE if in_store else ROUTE_DOMAIN
        if name == "_handle_response" and label == "powertools.event_handler":
            return STAGES["response"]
        if name == "resolve" and label == "powertools.event_handler":
            return STAGES["request"]
        if label == "powertools.logging":
            return STAGES["logging"]
        if label == "powertools.metrics":
            return STAGES["metrics"]
        if name == "handler" and label.startswith("flare.http"):
            return STAGES["glue"]
    return STAGES["glue"]


class Sampler:
    """`with Sampler() as sampler:` ... `with sampler.active():` <the code to profile>; then `sampler.shares()`.

    Samples come from a real-time interval timer (SIGALRM) in the measured (main) thread, so the handler sees
    the frame being run. A thread sampling `sys._current_frames()` would not do: it only gets the GIL where
    the measured thread lets go of it, so its samples pile up on system calls."""

    def __init__(self, interval: float = 0.0002) -> None:
        self._interval = interval
        self._on = False
        self.stages: Counter[str] = Counter()
        self.modules: Counter[str] = Counter()
        self.excluded = 0
        self._sampling = False

    def _sample(self, _signum: int, frame: FrameType | None) -> None:
        # A timer that fires again while a sample is being classified (the first look at a code object reads
        # its bytecode) must not nest: nested handlers ran into the recursion limit.
        if not self._on or self._sampling:
            return
        self._sampling = True
        try:
            found = classify(frame)
        finally:
            self._sampling = False
        if found is None:
            self.excluded += 1
            return
        self.stages[found[0]] += 1
        self.modules[found[1]] += 1

    def __enter__(self) -> "Sampler":
        self._previous = signal.signal(signal.SIGALRM, self._sample)
        signal.setitimer(signal.ITIMER_REAL, self._interval, self._interval)
        return self

    def __exit__(self, *exc_info: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self._previous)

    def active(self) -> "_Active":
        return _Active(self)

    @staticmethod
    def shares(counter: Counter[str], top: int = 8) -> list[tuple[str, float]]:
        """The most frequent labels and their share of the samples outside DynamoDB."""
        total = sum(counter.values()) or 1
        return [(label, count / total) for label, count in counter.most_common(top)]


class _Active:
    def __init__(self, sampler: Sampler) -> None:
        self._sampler = sampler

    def __enter__(self) -> None:
        self._sampler._on = True

    def __exit__(self, *exc_info: object) -> None:
        self._sampler._on = False
