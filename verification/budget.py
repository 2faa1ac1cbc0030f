"""A wall-clock budget for one verification, shared by everything it does.

Input caps (verification.inputs) bound how much a credential can ask for; this bounds how long answering may
take, whatever the input turns out to cost. `verify()` runs under one budget:

    with budget.limit(3.0, outbound_seconds=2.0):
        ...
        budget.check()  # in every loop whose length the input decides: TooComplex once the deadline passed

Endorsements and the credentials a CLR bundles are verified inside the same `limit`, so they spend the same
budget; a `limit` opened inside another can only shorten it. The outbound allowance is the part of the budget
that fetches may spend together (DID documents, status lists): `verification.http.HardenedClient` asks
`outbound_remaining()` before each fetch, refuses to start one when nothing is left, and records what each
took with `outbound()`.

Outside any `limit` (signing, management commands that do not ask for one, tests) every function here is a
no-op: `check()` passes, `remaining()` and `outbound_remaining()` are None.

The state lives in a ContextVar, so concurrent verifications in threads or tasks never see each other's
budget. The clock is injectable: tests pass a fake one and prove the deadline is enforced without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from verification.errors import TooComplex

__all__ = [
    "DEFAULT_OUTBOUND_SECONDS",
    "DEFAULT_SECONDS",
    "Budget",
    "check",
    "current",
    "limit",
    "outbound",
    "outbound_remaining",
    "remaining",
]

DEFAULT_SECONDS = 3.0
DEFAULT_OUTBOUND_SECONDS = 2.0
Clock = Callable[[], float]


class Budget:
    """A deadline and an outbound allowance, measured on `clock` (seconds, monotonic)."""

    def __init__(
        self, seconds: float, *, outbound_seconds: float, clock: Clock = time.monotonic, parent: Budget | None = None
    ) -> None:
        if seconds < 0 or outbound_seconds < 0:
            raise ValueError("a budget cannot be negative")
        self.clock = clock
        self.seconds = seconds
        self.deadline = clock() + seconds
        self.outbound_seconds = outbound_seconds
        self.outbound_spent = 0.0
        self.parent = parent
        if parent is not None:
            # An inner limit never extends the outer one.
            self.deadline = min(self.deadline, parent.deadline)

    def remaining(self) -> float:
        return max(0.0, self.deadline - self.clock())

    def outbound_remaining(self) -> float:
        left = min(self.remaining(), max(0.0, self.outbound_seconds - self.outbound_spent))
        return min(left, self.parent.outbound_remaining()) if self.parent is not None else left

    def expired(self) -> bool:
        return self.clock() >= self.deadline

    def check(self) -> None:
        if self.expired():
            raise TooComplex(
                f"The verification did not finish within its time budget of {self.seconds:g} s; the credential "
                "is too large or too complex to check (or a server it names was too slow)."
            )

    def charge_outbound(self, seconds: float) -> None:
        self.outbound_spent += max(0.0, seconds)
        if self.parent is not None:
            self.parent.charge_outbound(seconds)


_CURRENT: ContextVar[Budget | None] = ContextVar("verification_budget", default=None)


@contextmanager
def limit(
    seconds: float | None = None, *, outbound_seconds: float | None = None, clock: Clock | None = None
) -> Iterator[Budget]:
    """Run the block under a budget of `seconds` (default 3 s), of which fetches may spend `outbound_seconds`
    (default 2 s) together. Inside another `limit`, the tighter deadline and allowance win."""
    parent = _CURRENT.get()
    chosen_clock = clock or (parent.clock if parent is not None else time.monotonic)
    budget = Budget(
        DEFAULT_SECONDS if seconds is None else seconds,
        outbound_seconds=DEFAULT_OUTBOUND_SECONDS if outbound_seconds is None else outbound_seconds,
        clock=chosen_clock,
        parent=parent,
    )
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def current() -> Budget | None:
    return _CURRENT.get()


def check() -> None:
    """Raise TooComplex (an Indeterminate: the check becomes `indeterminate`) once the deadline has passed."""
    budget = _CURRENT.get()
    if budget is not None:
        budget.check()


def remaining() -> float | None:
    """Seconds left before the deadline, or None outside any budget."""
    budget = _CURRENT.get()
    return budget.remaining() if budget is not None else None


def outbound_remaining() -> float | None:
    """Seconds fetches may still spend (never more than `remaining()`), or None outside any budget."""
    budget = _CURRENT.get()
    return budget.outbound_remaining() if budget is not None else None


@contextmanager
def outbound() -> Iterator[None]:
    """Charge the time the block takes (one fetch) to the outbound allowance, however the block ends."""
    budget = _CURRENT.get()
    if budget is None:
        yield
        return
    start = budget.clock()
    try:
        yield
    finally:
        budget.charge_outbound(budget.clock() - start)
