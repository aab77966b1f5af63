"""The per-request deadline: set by the endpoint wrapper, checked before long work starts more AWS requests.

Cooperative: a check raises DeadlineExceeded (503) only before a request whose result is not committed yet,
never between a write's commit and its answer. Kept per thread, so that the local stack's concurrent
requests (threads of one process) each keep their own; a request's worker threads carry its deadline (`carried`).
Unset (stream and queue consumers, tests) it never fires.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, TypeVar

from fhirimaging.errors import DeadlineExceeded

# Lambda stops the function at its timeout; this much before it the request gives up and answers.
SAFETY_MARGIN_SECONDS = 3.0

T = TypeVar("T")
_clock = time.monotonic
# (a thread-local attribute, not a ContextVar: replacing it frees nothing that runtime.handler froze)
_local = threading.local()


def start(budget_seconds: float, context: object = None) -> None:
    """The deadline of the request starting now: the budget, or less when Lambda's time runs out sooner."""
    seconds = budget_seconds
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        seconds = min(seconds, remaining() / 1000 - SAFETY_MARGIN_SECONDS)
    _local.deadline = _clock() + seconds


def clear() -> None:
    _local.deadline = None


def remaining() -> float | None:
    """Seconds left (negative once passed); None without a deadline."""
    deadline = getattr(_local, "deadline", None)
    return None if deadline is None else deadline - _clock()


def carried(function: Callable[..., T]) -> Callable[..., T]:
    """`function` under this thread's deadline on whichever thread runs it (a batch's workers)."""
    moment = getattr(_local, "deadline", None)

    def run(*args: Any) -> T:
        _local.deadline = moment
        try:
            return function(*args)
        finally:
            _local.deadline = None

    return run


def check(work: str) -> None:
    """Raise DeadlineExceeded if the deadline has passed; call it before starting `work`."""
    left = remaining()
    if left is not None and left <= 0:
        raise DeadlineExceeded(f"the request ran out of time before {work}; it may be retried")
