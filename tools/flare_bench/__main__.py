"""`python -m flare_bench` (`make bench`): run every figure and write BENCHMARKS.md."""

import argparse
import sys
import time
from pathlib import Path

from flare_bench import machine, registry, report
from flare_bench.context import FUNCTION_LOG, ROOT, Context

MIN_REPETITIONS = 10


def main(argv: list[str] | None = None) -> int:
    figures = registry.load()
    parser = argparse.ArgumentParser(prog="python -m flare_bench", description=__doc__)
    parser.add_argument(
        "--only", action="append", choices=[figure.key for figure in figures], help="run this figure (repeatable)"
    )
    parser.add_argument("--out", help="where to write the report (default: BENCHMARKS.md; with --only: stdout)")
    parser.add_argument("--repetitions", type=int, default=MIN_REPETITIONS, help="at least 10 for BENCHMARKS.md")
    parser.add_argument("--incidents", type=int, default=50_000, help="incidents stored for the list figure")
    args = parser.parse_args(argv)
    out = args.out or ("-" if args.only else str(ROOT / "BENCHMARKS.md"))
    if out.endswith("BENCHMARKS.md") and (args.only or args.repetitions < MIN_REPETITIONS):
        parser.error(f"BENCHMARKS.md takes every figure with at least {MIN_REPETITIONS} repetitions")
    selected = [figure for figure in figures if not args.only or figure.key in args.only]

    context = Context(repetitions=args.repetitions, large_incident_count=args.incidents)
    sections = {}
    load_before = machine.load()
    started = time.perf_counter()
    FUNCTION_LOG.unlink(missing_ok=True)
    try:
        for figure in selected:
            context.say(f"{figure.key}: {figure.title}")
            figure_started = time.perf_counter()
            sections[figure.key] = figure.measure(context)
            sections[figure.key].seconds = time.perf_counter() - figure_started
    except BaseException:
        context.say(f"failed; the functions' own log is {FUNCTION_LOG}")
        raise
    finally:
        context.close()
    elapsed = time.perf_counter() - started

    text = report.render(selected, sections, machine.describe(load_before), args.repetitions, elapsed)
    if out == "-":
        sys.stdout.write(text)
    else:
        Path(out).write_text(text, encoding="utf-8")
        context.say(f"wrote {out} in {elapsed / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
