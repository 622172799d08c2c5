"""The pause before retrying a lost optimistic write or a throttled batch."""

import random
import time


def back_off(attempt: int, *, base: float = 0.01) -> None:
    """Jittered exponential pause (spreads a thundering herd); capped at 2**6 times `base`."""
    time.sleep(random.uniform(0, base * 2 ** min(attempt, 6)))
