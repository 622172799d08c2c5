"""Process environment changes that can be undone (the stack and gateway share one process with tests)."""

import os
from collections.abc import Callable, Mapping


def patch_environ(values: Mapping[str, str | None]) -> Callable[[], None]:
    """Set the variables (None unsets one) and return a function that puts the previous values back."""
    previous = {name: os.environ.get(name) for name in values}
    _apply(values)
    return lambda: _apply(previous)


def _apply(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
