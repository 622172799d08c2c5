"""The machine a run measured: figures are ratios, but they are only comparable on like machines."""

import os
import platform
from datetime import UTC, datetime
from importlib.metadata import version


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def load() -> str:
    """The 1, 5 and 15 minute load averages: another job on the machine shows here."""
    return " / ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"


def describe(load_before: str) -> list[tuple[str, str]]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    packages = ", ".join(
        f"{name} {version(name)}" for name in ("boto3", "botocore", "aws-lambda-powertools", "pydantic", "moto")
    )
    return [
        ("CPU", cpu_model()),
        ("cores", f"{os.cpu_count()} ({usable} usable)"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("OS", f"{platform.system()} {platform.release()} {platform.machine()}"),
        ("packages", packages),
        ("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("load average (1/5/15 min)", f"{load_before} before the run, {load()} after"),
    ]
