"""The figures: each is one function, registered with `@figure`, that measures and returns a `Section`."""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flare_bench.context import Context


@dataclass(frozen=True)
class Verdict:
    """One measured value against its goal."""

    what: str  # "create_incident init ÷ floor"
    value: str  # as shown: "1.07"
    goal: str = ""  # as shown: "≤ 1.25"; empty when the figure sets none for this row
    met: bool | None = None  # None: no goal
    # When missed: why, and what it would take (concrete: which round trip, which import). One or more
    # reasons; the report writes each reason once, with every verdict it explains.
    why: tuple[str, ...] = ()


@dataclass
class Section:
    """A figure as BENCHMARKS.md shows it: what was measured and how (markdown), and the verdicts."""

    body: str
    verdicts: list[Verdict] = field(default_factory=list)
    seconds: float = 0.0  # filled in by the runner


@dataclass(frozen=True)
class Figure:
    key: str  # `python -m flare_bench --only <key>`
    title: str
    goal: str  # the goal in words, for the summary
    order: int  # position in BENCHMARKS.md
    measure: Callable[["Context"], Section]


FIGURES: dict[str, Figure] = {}


def figure(key: str, title: str, *, goal: str, order: int) -> Callable[[Callable], Callable]:
    """Register a figure: `@figure("init", "Init in a fresh process ÷ the floor", goal="≤ 1.25", order=10)`."""

    def register(measure: Callable[["Context"], Section]) -> Callable[["Context"], Section]:
        if key in FIGURES:
            raise ValueError(f"two figures named {key}")
        FIGURES[key] = Figure(key, title, goal, order, measure)
        return measure

    return register


def load() -> list[Figure]:
    """Every figure of the modules in flare_bench/figures/, in report order."""
    from flare_bench import figures

    for module in pkgutil.iter_modules(figures.__path__):
        importlib.import_module(f"{figures.__name__}.{module.name}")
    return sorted(FIGURES.values(), key=lambda figure: figure.order)
