"""verification.budget: one wall-clock budget per verification, enforced in every loop whose length the input
decides. The clock is injected, so every deadline here is reached without sleeping and without timing anything."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.verification.credentials import open_badge_credential
from verification import budget, canon, jsonld, pyld_adapter
from verification.canon import PyldCanonicalizer
from verification.errors import Indeterminate, TooComplex
from verification.keys import DidKeyResolver
from verification.schema import evaluate_schema
from verification.suites import verify_proofs


class TickingClock:
    """Every reading advances the time by `step` seconds: `n` readings are `n * step` seconds."""

    def __init__(self, step: float = 1.0) -> None:
        self.now = 0.0
        self.step = step
        self.readings = 0

    def __call__(self) -> float:
        self.now += self.step
        self.readings += 1
        return self.now


class ManualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# --------------------------------------------------------------------------------------------------------------
# The budget itself


def test_outside_a_limit_nothing_is_bounded() -> None:
    budget.check()
    assert budget.current() is None
    assert budget.remaining() is None
    assert budget.outbound_remaining() is None
    with budget.outbound():
        pass


def test_deadline_and_outbound_allowance() -> None:
    clock = ManualClock()
    with budget.limit(3.0, outbound_seconds=2.0, clock=clock) as active:
        assert budget.current() is active
        assert (budget.remaining(), budget.outbound_remaining()) == (3.0, 2.0)
        with budget.outbound():
            clock.now += 1.5  # one fetch took 1.5 s
        assert (budget.remaining(), budget.outbound_remaining()) == (1.5, 0.5)
        clock.now += 1.0
        # The allowance never exceeds what is left of the whole budget.
        assert (budget.remaining(), budget.outbound_remaining()) == (0.5, 0.5)
        budget.check()
        clock.now += 0.5
        with pytest.raises(TooComplex) as caught:
            budget.check()
        assert caught.value.code == "too_complex"
        assert isinstance(caught.value, Indeterminate)
        assert "time budget of 3 s" in caught.value.message
        assert (budget.remaining(), budget.outbound_remaining()) == (0.0, 0.0)
    assert budget.current() is None


def test_a_failed_fetch_is_charged_too() -> None:
    clock = ManualClock()

    def failing_fetch() -> None:
        with budget.outbound():
            clock.now += 2.0
            raise OSError("connection reset")

    with budget.limit(3.0, outbound_seconds=2.0, clock=clock):
        with pytest.raises(OSError):
            failing_fetch()
        assert budget.outbound_remaining() == 0.0


def test_an_inner_limit_only_shortens_and_shares_the_outbound_allowance() -> None:
    clock = ManualClock()
    with budget.limit(3.0, outbound_seconds=2.0, clock=clock) as outer:
        with budget.limit(10.0, outbound_seconds=5.0) as inner:
            assert inner.clock is clock
            assert (budget.remaining(), budget.outbound_remaining()) == (3.0, 2.0)
            with budget.outbound():
                clock.now += 1.0
        assert outer.outbound_spent == 1.0
        with budget.limit(1.0, outbound_seconds=0.25):
            assert (budget.remaining(), budget.outbound_remaining()) == (1.0, 0.25)
        assert budget.current() is outer


@pytest.mark.parametrize(("seconds", "outbound"), [(-1.0, 1.0), (1.0, -1.0)])
def test_negative_budgets_are_refused(seconds: float, outbound: float) -> None:
    with pytest.raises(ValueError), budget.limit(seconds, outbound_seconds=outbound):
        pass


def test_defaults() -> None:
    with budget.limit(clock=ManualClock()) as active:
        assert (active.seconds, active.outbound_seconds) == (3.0, 2.0)


# --------------------------------------------------------------------------------------------------------------
# The hot loops stop at the deadline


def _large_credential() -> dict[str, Any]:
    document = open_badge_credential()
    achievement = document["credentialSubject"]["achievement"]
    achievement["tag"] = [f"tag {number}" for number in range(3_000)]
    template = achievement["alignment"][0]
    achievement["alignment"] = [{**template, "targetCode": f"S{number}"} for number in range(300)]
    return document


def _signed_large() -> dict[str, Any]:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from verification.keys import did_key_from_ed25519, ed25519_public_to_multibase
    from verification.suites import DataIntegritySigner

    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    did = did_key_from_ed25519(key.public_key())
    document = _large_credential()
    document["issuer"]["id"] = did
    signer = DataIntegritySigner(key, f"{did}#{ed25519_public_to_multibase(key.public_key())}")
    return signer.sign(document)


HOT_LOOPS: dict[str, Callable[[dict[str, Any]], object]] = {
    "fast path canonicalization": lambda document: canon.canonicalize(document),
    "reference path canonicalization": lambda document: PyldCanonicalizer().canonicalize(document),
    "JSON-LD expansion": lambda document: jsonld.expand(document),
    "reference node map": lambda document: pyld_adapter.dataset(jsonld.expand(document)),
    "schema validation": lambda document: evaluate_schema(document),
    "proof verification": lambda document: _unless_cut_short(verify_proofs(document, DidKeyResolver())),
}


def _unless_cut_short(results: list) -> list:
    """A proof the budget cut short is reported, not raised (it is indeterminate, never a bad signature)."""
    for result in results:
        if result.indeterminate and result.code == "too_complex":
            raise TooComplex(result.message)
    return results


@pytest.mark.parametrize("loop", sorted(HOT_LOOPS))
def test_hot_loops_stop_close_to_the_deadline(loop: str) -> None:
    # Every budget check reads the clock once and each reading is one second: with a 40 s budget, the work
    # must stop at the first check after 40 readings (a few more are the budget's own bookkeeping).
    document = _signed_large()
    if loop == "reference node map":
        expanded = jsonld.expand(document)  # outside the budget: only the node map is measured
        work: Callable[[], object] = lambda: pyld_adapter.dataset(copy.deepcopy(expanded))  # noqa: E731
    else:
        work = lambda: HOT_LOOPS[loop](document)  # noqa: E731
    clock = TickingClock()
    with pytest.raises(TooComplex), budget.limit(40.0, clock=clock):
        work()
    assert 40 <= clock.readings <= 42
    # The same work completes when the budget is ample (the checks only observe).
    with budget.limit(10**9, clock=TickingClock()):
        work()


def test_n_degree_quads_is_bounded_by_the_budget_too() -> None:
    # Identical blank nodes: Hash N-Degree Quads runs; its work limit counts runs, the budget bounds time.
    document = open_badge_credential()
    achievement = document["credentialSubject"]["achievement"]
    achievement["alignment"] = [copy.deepcopy(achievement["alignment"][0]) for _ in range(200)]
    clock = TickingClock()
    with pytest.raises(TooComplex), budget.limit(60.0, clock=clock):
        canon.canonicalize(document)
    assert clock.readings <= 62
