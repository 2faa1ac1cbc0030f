"""Hostile input to `verify()`: every case is refused by a limit (InputError) or answered with a report that is
indeterminate or invalid — never valid, never an unhandled exception. Budgets are injected (a zero budget, or a
clock that advances a second per reading), so nothing here depends on how fast the machine is."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.verification import hostile
from tests.verification.test_budget import TickingClock
from verification import budget
from verification.errors import FetchError, InputError, InputTooLarge
from verification.inputs import InputLimits
from verification.keys import DidKeyResolver
from verification.report import Report
from verification.schema import forget_kept_results
from verification.service import verify

NOW = datetime(2026, 11, 26, tzinfo=UTC)


class NoStatusSource:
    def get(self, url: str) -> dict[str, Any]:
        raise FetchError(f"No network in the test environment ({url}).")


def _verify(data: Any, **kwargs: Any) -> Report:
    return verify(data, resolver=DidKeyResolver(), status_source=NoStatusSource(), now=NOW, **kwargs)


def _too_complex(report: Report) -> list[str]:
    return [check.id for check in report.checks if check.status == "indeterminate" and check.code == "too_complex"]


@pytest.mark.parametrize("case", sorted(hostile.REFUSED_BY_STRUCTURE))
def test_refused_by_a_structural_limit_before_any_json_ld_work(case: str) -> None:
    with pytest.raises(InputError) as caught:
        _verify(hostile.REFUSED_BY_STRUCTURE[case]())
    assert not isinstance(caught.value, InputTooLarge)
    message = caught.value.message
    assert any(limit in message for limit in ("levels deep", "items; at most", "values (objects")), message
    assert "at " in message  # where: the JSON path


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("tags", "The array at credentialSubject.achievement.tag has 100,000 items; at most 10,000 are accepted."),
        ("alignments", "The array at credentialSubject.achievement.alignment has 50,000 items"),
        ("depth", "The JSON is nested more than 32 levels deep (at evidence[0][0][0]"),
    ],
)
def test_the_message_names_the_limit_and_the_path(case: str, expected: str) -> None:
    data = {
        "tags": lambda: hostile.text(hostile.credential(tags=100_000)),
        "alignments": lambda: hostile.text(hostile.credential(alignments=50_000)),
        "depth": lambda: hostile.nested_text(100),
    }[case]()
    with pytest.raises(InputError) as caught:
        _verify(data)
    assert caught.value.message.startswith(expected)


def test_limits_are_configurable() -> None:
    document = hostile.signed(hostile.credential(tags=50))
    assert _verify(document).valid
    with pytest.raises(InputError, match="has 50 items; at most 20"):
        _verify(document, limits=InputLimits(max_array_items=20))
    with pytest.raises(InputError, match="more than 100 values"):
        _verify(hostile.text(document), limits=InputLimits(max_values=100))
    with pytest.raises(InputError, match="more than 3 levels deep"):
        _verify(document, limits=InputLimits(max_depth=3))


def test_the_credential_in_an_image_is_held_to_the_credential_limit() -> None:
    image = hostile.baked_png(hostile.text(hostile.signed(hostile.credential(tags=2_000))))
    assert _verify(image).valid  # within the library's default limits
    with pytest.raises(InputTooLarge, match="The credential found in the PNG image is larger than 16 KB"):
        _verify(image, limits=InputLimits(max_credential_bytes=16 * 1024))


def test_samples_and_vectors_are_far_below_the_limits() -> None:
    # The realistic credential, every 1EdTech sample and every test vector (CLRs included) fit limits a
    # tenth of the defaults or less (the platform's own credentials: tests/public/test_hostile_verify.py).
    from tests.paths import SAMPLES, VECTORS
    from verification.inputs import check_structure

    tight = InputLimits(max_depth=16, max_array_items=1_000, max_values=10_000)
    documents = [hostile.credential(), *(json.loads(path.read_text("utf-8")) for path in SAMPLES.glob("*.json"))]
    documents += [json.loads(path.read_text("utf-8")) for path in VECTORS.rglob("*.json")]
    for document in documents:
        check_structure(document, tight)


# --------------------------------------------------------------------------------------------------------------
# Just under the limits: accepted, and stopped by the time budget


UNDER_THE_LIMITS = {
    "9,000 tags and 1,000 alignments": lambda: hostile.credential(tags=9_000, alignments=1_000),
    "1,500 identical alignments (Hash N-Degree Quads)": lambda: hostile.credential(
        alignments=1_500, identical_alignments=True
    ),
}


@pytest.mark.parametrize("case", sorted(UNDER_THE_LIMITS))
@pytest.mark.parametrize("sent_as", ["dict", "JSON", "VC-JWT"])
def test_just_under_the_limits_a_zero_budget_is_indeterminate(case: str, sent_as: str) -> None:
    document = hostile.signed(UNDER_THE_LIMITS[case]())
    data: Any = {"dict": document, "JSON": hostile.text(document), "VC-JWT": hostile.jwt(document)}[sent_as]
    report = _verify(data, time_budget=0.0)
    assert report.verdict == "indeterminate"
    assert "context" in _too_complex(report)
    json.dumps(report.to_dict())


@pytest.mark.parametrize("readings", [20, 200, 2_000])
def test_a_budget_spent_mid_way_is_indeterminate_never_valid(readings: int) -> None:
    # A clock that advances a second per reading: the budget runs out after `readings` budget checks,
    # somewhere in schema validation or canonicalization.
    document = hostile.signed(hostile.credential(tags=9_000, alignments=1_000))
    # Signing checked the document against the schema (verification.datamodel) and kept the result: forgotten, so
    # that the verification below does that work, as it would for a credential it sees the first time.
    forget_kept_results()
    clock = TickingClock()
    with budget.limit(10**9, clock=clock):
        report = _verify(document, time_budget=float(readings))
    assert report.verdict == "indeterminate"
    assert _too_complex(report)
    assert clock.readings <= readings + 20  # stopped at the first checks after the deadline


def test_the_same_credential_with_an_ample_budget_is_valid() -> None:
    # The credential is genuine: only the budget made the reports above indeterminate.
    document = hostile.signed(hostile.credential(tags=9_000, alignments=1_000))
    with budget.limit(10**9, clock=TickingClock()):
        assert _verify(document, time_budget=10.0**8).verdict == "valid"


def test_a_forged_credential_over_budget_is_not_valid() -> None:
    report = _verify(hostile.forged(hostile.credential(tags=9_000)), time_budget=0.0)
    assert report.verdict in ("indeterminate", "invalid")


def test_endorsements_share_the_one_budget() -> None:
    # 20 heavy endorsements (VC-JWTs, so the credential itself stays cheap), each a full verification. Given
    # half the clock readings the whole verification takes, it stops there: with budgets of their own the
    # endorsements would each have run to the end.
    document = hostile.credential()
    document["endorsementJwt"] = [hostile.jwt(hostile.credential(tags=2_000))] * 20
    secured = hostile.signed(document)

    def run(seconds: float) -> tuple[Report, int]:
        forget_kept_results()  # both runs validate every document: a kept result would make the second one cheaper
        clock = TickingClock()
        with budget.limit(10**9, clock=clock):
            report = _verify(secured, time_budget=seconds)
        return report, clock.readings

    complete, total = run(10.0**8)
    assert complete.check("endorsements").status != "indeterminate"  # type: ignore[union-attr]
    assert not _too_complex(complete)
    halved, readings = run(float(total // 2))
    assert halved.verdict == "indeterminate"
    assert "recipient" in _too_complex(halved)
    # Past the deadline every remaining endorsement still opens its few checks, each refused at once.
    assert readings <= total // 2 + 20 * 10


@pytest.mark.parametrize("where", ["proofValue", "verificationMethod"])
def test_a_huge_base58_value_is_refused_before_it_is_decoded(where: str) -> None:
    # Decoding base58 is quadratic: 200,000 characters would take about half a minute. Refused by length instead.
    secured = hostile.signed(hostile.credential())
    huge = "z" + "2" * 200_000
    if where == "proofValue":
        secured["proof"]["proofValue"] = huge
    else:
        secured["proof"]["verificationMethod"] = f"did:key:{huge}#{huge}"

    report = _verify(secured)

    proof = report.check("proof")
    assert report.verdict != "valid"
    assert proof is not None and proof.status in ("failed", "indeterminate")
    assert "200001 characters long" in proof.message or "200000 characters long" in proof.message
