"""Ports: how each feature reaches its storage. A feature's `port.py` states what its use cases need (a
Protocol) and names the store module that provides it in a function; tests put one in-memory store in place
of them all (`replaced_by`), so use cases run without DynamoDB (tests/use_cases) and a contract suite holds the
two to the same behaviour (tests/contract)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_PORTS: list["Port[Any]"] = []
_ACTIVE: list[Any] = []  # the replacement in force (replaced_by), for ports made while it is


class Port[T]:
    """One feature's storage: `implementation` (a store module, imported at cold start with the feature) unless
    a test replaced it."""

    def __init__(self, implementation: T) -> None:
        self._implementation = implementation
        # A module first imported inside replaced_by (an outbound channel, imported when first used) is replaced too.
        self._replacement: T | None = _ACTIVE[-1] if _ACTIVE else None
        _PORTS.append(self)

    def __call__(self) -> T:
        return self._implementation if self._replacement is None else self._replacement


@contextmanager
def replaced_by(implementation: Any) -> Iterator[Any]:
    """Inside the block every port answers with `implementation` (tests: the in-memory store)."""
    _ACTIVE.append(implementation)
    for port in _PORTS:
        port._replacement = implementation
    try:
        yield implementation
    finally:
        _ACTIVE.pop()
        for port in _PORTS:
            port._replacement = None
