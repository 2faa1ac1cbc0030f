"""Signing and verification throughput of embedded proofs on one core.

    .venv/bin/python bench/crypto.py [--quick] [--cpu N]

Measures, on a realistic ~2.7 KB OpenBadgeCredential (tests/verification/credentials.py):

* eddsa-rdfc-2022 sign with DataIntegritySigner (warm caches: contexts processed, proof
  configuration canonicalized once per batch) and verify with a did:key resolver, once with the
  fast path (verification.fastrdf, the default engine) and once with the reference path
  (canon.PyldCanonicalizer, pyld 3.3.0 + corrected RDFC-1.0);
* the same two operations on a cold, uncached plain-pyld path (stock `jsonld.normalize`, a loader
  that does not tag contexts static, proof configuration canonicalized every time), which is what
  a straightforward implementation does;
* the same on every sample of the 1EdTech validator that can carry an eddsa-rdfc-2022 proof (their
  mean per credential), and on the largest of them alone (complete.json: its blank nodes need Hash
  N-Degree Quads on either path);
* for each row, the median time per credential over several repeats, credentials per second, and
  the share of the time spent in canonicalization (the rest is hashing, Ed25519 and bookkeeping).

After the table: the share of documents the fast path takes over the platform credential and every
sample of the 1EdTech validator (what signing and verifying canonicalize of each).

Everything runs in one thread (one core); `--cpu N` also pins the process to CPU N. Rows are produced by the functions in
ROW_FACTORIES, including VC-JWT (EdDSA, ES256, RS256), verification of many distinct credentials, and the worst
hostile input (`verification.service.verify` on each case of tests/verification/hostile.py, default limits and
time budget; the slowest case is the row, once over everything the library accepts and once within the web
endpoints' 256 KB body limit).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: E402
from pyld import jsonld as stock_jsonld  # noqa: E402

from tests.verification.credentials import open_badge_credential  # noqa: E402
from verification import canon, fastrdf  # noqa: E402
from verification.jsonld import CONTEXT_DIR, CONTEXT_FILES  # noqa: E402
from verification.keys import (  # noqa: E402
    DidKeyResolver,
    did_key_from_ed25519,
    ed25519_public_to_multibase,
    multibase_b58_decode,
    multibase_b58_encode,
)
from verification.suites import DataIntegritySigner, verify_proofs  # noqa: E402


@dataclass(frozen=True)
class Row:
    operation: str
    path: str
    seconds: float  # median per credential
    canonicalization_share: float | None  # 0..1, None when not applicable

    @property
    def per_second(self) -> float:
        return 1.0 / self.seconds


@dataclass(frozen=True)
class Settings:
    repeats: int
    warm_calls: int
    cold_calls: int


class Stopwatch:
    """Accumulates the time spent inside wrapped calls (the canonicalization share)."""

    def __init__(self) -> None:
        self.total = 0.0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.total += time.perf_counter() - start

        return timed


def measure(
    operation: Callable[[], object], calls: int, repeats: int, stopwatch: Stopwatch | None = None
) -> tuple[float, float | None]:
    """(median over `repeats` runs of the mean time per call, median share of `stopwatch` time).

    The share is measured inside the same runs, so machine noise affects both alike.
    """
    operation()  # warm-up: imports, first context load
    samples, shares = [], []
    for _ in range(repeats):
        if stopwatch is not None:
            stopwatch.total = 0.0
        start = time.perf_counter()
        for _ in range(calls):
            operation()
        elapsed = time.perf_counter() - start
        samples.append(elapsed / calls)
        if stopwatch is not None:
            shares.append(stopwatch.total / elapsed)
    return statistics.median(samples), (statistics.median(shares) if shares else None)


class TimedCanonicalizer:
    """The installed canonicalizer, timed (installed for the warm rows only)."""

    def __init__(self, inner: canon.Canonicalizer, stopwatch: Stopwatch) -> None:
        self.name = inner.name
        self.canonicalize = stopwatch.wrap(inner.canonicalize)


# ------------------------------------------------------------------------------------------------
# Fixtures of the benchmark

KEY = ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"bench/crypto.py").digest())
DID = did_key_from_ed25519(KEY.public_key())
VM = f"{DID}#{ed25519_public_to_multibase(KEY.public_key())}"
CREATED = "2025-03-01T09:30:00Z"


def credential() -> dict:
    document = open_badge_credential()
    document["issuer"]["id"] = DID  # so that the did:key controller is the issuer
    return document


# ------------------------------------------------------------------------------------------------
# Warm path (the platform's code)


def _sample_documents() -> list[dict]:
    """The unsecured documents of the 1EdTech validator's JSON samples that the reference path can
    sign with eddsa-rdfc-2022 (VCDM 1.1 samples without a Data Integrity context cannot carry a
    DataIntegrityProof: its `created` term is undefined there)."""
    from tests.paths import SAMPLES
    from verification.errors import VerificationError

    documents = []
    for path in sorted(SAMPLES.glob("*.json")):
        document = {key: value for key, value in json.loads(path.read_text("utf-8")).items() if key != "proof"}
        previous = canon.set_canonicalizer(canon.PyldCanonicalizer())
        try:
            DataIntegritySigner(KEY, VM, created=CREATED).sign(document)
        except VerificationError:
            continue
        finally:
            canon.set_canonicalizer(previous)
        documents.append(document)
    return documents


def warm_rows(settings: Settings) -> list[Row]:
    """Sign and verify with each engine, the fast path (the default) and the reference path, on
    the platform's credential and on every sample (each sample's unsecured document signed with
    the bench key, then verified).

    The operations are measured interleaved (one batch of each per repeat, its engine installed for
    its own batch), so that load from other processes affects both paths alike.
    """
    document = credential()
    sample_documents = _sample_documents()
    resolver = DidKeyResolver()
    # (operation, path, engine, call, credentials per call)
    operations: list[tuple[str, str, canon.Canonicalizer, Callable[[], object], int]] = []
    heavy: list[tuple[str, str, canon.Canonicalizer, Callable[[], object], int]] = []
    engine: canon.Canonicalizer
    for label, engine in (("fast path", canon.FastPathCanonicalizer()), ("reference path", canon.PyldCanonicalizer())):
        previous = canon.set_canonicalizer(engine)
        try:
            signer = DataIntegritySigner(KEY, VM, created=CREATED)
            signed = signer.sign(document)
            assert verify_proofs(signed, resolver)[0].verified
            signed_samples = [signer.sign(sample) for sample in sample_documents]
        finally:
            canon.set_canonicalizer(previous)

        def sign_samples(signer: DataIntegritySigner = signer) -> None:
            for sample in sample_documents:
                signer.sign(sample)

        def verify_samples(signed_samples: list[dict] = signed_samples) -> None:
            for sample in signed_samples:
                verify_proofs(sample, resolver)

        largest = max(sample_documents, key=lambda sample: len(json.dumps(sample)))
        signed_largest = signed_samples[sample_documents.index(largest)]
        count = len(sample_documents)
        operations += [
            (
                "sign",
                f"eddsa-rdfc-2022, DataIntegritySigner (warm, {label})",
                engine,
                partial(signer.sign, document),
                1,
            ),
            (
                "verify",
                f"eddsa-rdfc-2022, verify_proofs + did:key (warm, {label})",
                engine,
                partial(verify_proofs, signed, resolver),
                1,
            ),
            ("sign", f"eddsa-rdfc-2022, {count} samples (warm, {label})", engine, sign_samples, count),
            ("verify", f"eddsa-rdfc-2022, {count} samples (warm, {label})", engine, verify_samples, count),
        ]
        # The heaviest sample (complete.json, 16.6 KB; Hash N-Degree Quads on either path), in
        # batches a tenth of the others' size.
        heavy += [
            ("sign", f"eddsa-rdfc-2022, largest sample (warm, {label})", engine, partial(signer.sign, largest), 1),
            (
                "verify",
                f"eddsa-rdfc-2022, largest sample (warm, {label})",
                engine,
                partial(verify_proofs, signed_largest, resolver),
                1,
            ),
        ]
    operations.sort(key=lambda item: (" samples " in item[1], item[1].endswith("reference path)")))
    heavy.sort(key=lambda item: item[1].endswith("reference path)"))
    operations += heavy
    batch = {
        index: settings.warm_calls // (10 if index >= len(operations) - len(heavy) else 1)
        for index in range(len(operations))
    }
    samples: dict[int, list[float]] = {index: [] for index in range(len(operations))}
    shares: dict[int, list[float]] = {index: [] for index in range(len(operations))}
    stopwatch = Stopwatch()
    for repeat in range(settings.repeats + 1):  # the first round warms up and is not counted
        for index, (_operation, _path, engine, call, per_call) in enumerate(operations):
            calls = max(1, batch[index] // per_call)
            previous = canon.set_canonicalizer(TimedCanonicalizer(engine, stopwatch))
            try:
                stopwatch.total = 0.0
                start = time.perf_counter()
                for _ in range(calls):
                    call()
                elapsed = time.perf_counter() - start
            finally:
                canon.set_canonicalizer(previous)
            if repeat:
                samples[index].append(elapsed / (calls * per_call))
                shares[index].append(stopwatch.total / elapsed)
    return [
        Row(operation, path, statistics.median(samples[index]), statistics.median(shares[index]))
        for index, (operation, path, _engine, _call, _count) in enumerate(operations)
    ]


def fast_path_share() -> tuple[int, int, dict[str, int]]:
    """(documents on the fast path, documents, reasons for the others) over what signing and
    verifying canonicalize for the platform's credential and every sample: each unsecured
    document and each proof configuration (documents the reference path refuses are left out: samples built to fail)."""
    from tests.paths import SAMPLES
    from verification.errors import VerificationError
    from verification.suites.eddsa_rdfc import proof_configuration

    documents = []
    signed = DataIntegritySigner(KEY, VM, created=CREATED).sign(credential())
    for document in [signed, *(json.loads(path.read_text("utf-8")) for path in sorted(SAMPLES.glob("*.json")))]:
        unsecured = {key: value for key, value in document.items() if key != "proof"}
        documents.append(unsecured)
        proofs = document.get("proof", [])
        for proof in proofs if isinstance(proofs, list) else [proofs]:
            if isinstance(proof, dict):
                documents.append(proof_configuration(unsecured, proof))
    taken, accepted = 0, 0
    reasons: Counter[str] = Counter()
    for document in documents:
        try:
            fastrdf.fast_canonicalize(document)
        except fastrdf.Unsupported as declined:
            try:
                canon.PyldCanonicalizer().canonicalize(document)
            except VerificationError:
                continue  # refused by the reference path (a sample built to fail): not counted
            reasons[declined.reason] += 1
        else:
            taken += 1
        accepted += 1
    return taken, accepted, dict(reasons)


# ------------------------------------------------------------------------------------------------
# Cold path: plain pyld, nothing cached between credentials


def _uncached_loader(url: str, options: dict | None = None) -> dict:
    # Same bundled files, but without the 'static' tag pyld needs to keep processed contexts.
    document = json.loads((CONTEXT_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": document}


COLD_STOPWATCH = Stopwatch()


@COLD_STOPWATCH.wrap
def _plain_normalize(document: dict) -> str:
    return stock_jsonld.normalize(
        document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _uncached_loader}
    )


def _plain_hash_data(unsecured: dict, options: dict) -> bytes:
    config = {**options, "@context": unsecured["@context"]}
    return (
        hashlib.sha256(_plain_normalize(config).encode()).digest()
        + hashlib.sha256(_plain_normalize(unsecured).encode()).digest()
    )


def cold_rows(settings: Settings) -> list[Row]:
    document = credential()
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": CREATED,
        "verificationMethod": VM,
        "proofPurpose": "assertionMethod",
    }

    def sign() -> dict:
        unsecured = {key: value for key, value in document.items() if key != "proof"}
        proof = {**options, "proofValue": multibase_b58_encode(KEY.sign(_plain_hash_data(unsecured, options)))}
        return {**copy.deepcopy(document), "proof": proof}

    signed = sign()

    def verify() -> bool:
        proof = dict(signed["proof"])
        signature = multibase_b58_decode(proof.pop("proofValue"))
        key = DidKeyResolver().resolve(proof["verificationMethod"]).public_key
        unsecured = {key: value for key, value in signed.items() if key != "proof"}
        key.verify(signature, _plain_hash_data(unsecured, proof))  # type: ignore[call-arg]
        return True

    assert verify()
    sign_row = measure(sign, settings.cold_calls, settings.repeats, COLD_STOPWATCH)
    verify_row = measure(verify, settings.cold_calls, settings.repeats, COLD_STOPWATCH)
    return [
        Row("sign", "plain pyld, no context cache (cold)", *sign_row),
        Row("verify", "plain pyld, no context cache (cold)", *verify_row),
    ]


# ------------------------------------------------------------------------------------------------
# VC-JWT hook


def vc_jwt_rows(settings: Settings) -> list[Row]:
    """VC-JWT sign and verify (verification/jwt_encoding.py, verification/jwt.py) for each algorithm the platform issues with.

    Verification resolves the `kid` through a resolver that returns the key directly, so the row
    measures JOSE and the claim checks, not a DID lookup. JWT has no canonicalization (share None).
    """
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from verification.jwt import decode_vc_jwt, encode_vc_jwt
    from verification.keys import VerificationMethod

    keys = {
        "EdDSA": KEY,
        "ES256": ec.generate_private_key(ec.SECP256R1()),
        "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
    }
    rows: list[Row] = []
    for alg, private_key in keys.items():
        rows += _jwt_rows(alg, private_key, settings, encode_vc_jwt, decode_vc_jwt, VerificationMethod)
    return rows


def _jwt_rows(alg: str, private_key: Any, settings: Settings, encode: Any, decode: Any, method_class: Any) -> list[Row]:
    document = credential()
    kid = f"{DID}#jwt-{alg.lower()}"
    method = method_class(id=kid, controller=DID, type="JsonWebKey", public_key=private_key.public_key())

    class Resolver:
        def resolve(self, verification_method_id: str) -> Any:
            return method

    token = encode(document, private_key, kid=kid)
    assert decode(token, Resolver()).verified
    sign = measure(lambda: encode(document, private_key, kid=kid), settings.warm_calls, settings.repeats)
    verify = measure(lambda: decode(token, Resolver()), settings.warm_calls, settings.repeats)
    return [Row("sign", f"VC-JWT {alg}", sign[0], None), Row("verify", f"VC-JWT {alg}", verify[0], None)]


def distinct_rows(settings: Settings) -> list[Row]:
    """Verification of many different credentials (new id and `created` each): no proof-config cache hit."""
    signer_documents = []
    for number in range(settings.warm_calls):
        document = credential()
        document["id"] = f"urn:uuid:00000000-0000-4000-8000-{number:012d}"
        signer = DataIntegritySigner(KEY, VM, created=f"2025-03-01T09:{number // 60 % 60:02d}:{number % 60:02d}Z")
        signer_documents.append(signer.sign(document))
    resolver = DidKeyResolver()
    iterator = iter(signer_documents * (settings.repeats + 2))
    seconds, _ = measure(lambda: verify_proofs(next(iterator), resolver), settings.warm_calls, settings.repeats)
    return [Row("verify", "eddsa-rdfc-2022, distinct credentials (warm contexts)", seconds, None)]


def hostile_rows(settings: Settings) -> list[Row]:
    """The slowest hostile input, end to end through `verify()` (default limits, default 3 s budget): the cases
    refused by a structural limit and the heavy credentials just under the limits, genuine and forged."""
    from tests.verification import hostile
    from verification.errors import FetchError, InputError
    from verification.service import verify

    class NoStatus:
        def get(self, url: str) -> dict:
            raise FetchError("offline")

    heavy = {
        "9,999 tags and 9,999 alignments": hostile.credential(tags=9_999, alignments=9_999),
        "9,000 tags and 1,000 alignments": hostile.credential(tags=9_000, alignments=1_000),
        "1,500 identical alignments": hostile.credential(alignments=1_500, identical_alignments=True),
        "9,999 identical alignments": hostile.credential(alignments=9_999, identical_alignments=True),
    }
    cases: dict[str, Any] = {name: build() for name, build in hostile.REFUSED_BY_STRUCTURE.items()}
    for name, document in heavy.items():
        cases[f"{name}, signed"] = hostile.text(hostile.signed(document))
        cases[f"{name}, forged"] = hostile.text(hostile.forged(document))
        cases[f"{name}, VC-JWT"] = hostile.jwt(document)
    body_limit = 256 * 1024
    resolver = DidKeyResolver()
    timings: dict[str, float] = {}
    for name, data in cases.items():
        samples = []
        for _ in range(max(1, settings.repeats // 3)):
            start = time.perf_counter()
            try:
                verify(data, resolver=resolver, status_source=NoStatus())
            except InputError:
                pass  # refused by a limit: what these cases are for
            samples.append(time.perf_counter() - start)
        timings[name] = statistics.median(samples)
    rows = []
    for label, names in (
        ("any size the library accepts", list(timings)),
        ("within the 256 KB body limit", [name for name in timings if _sent_size(cases[name]) <= body_limit]),
    ):
        worst = max(names, key=timings.__getitem__)
        rows.append(Row("verify", f"worst hostile input, {label} ({worst})", timings[worst], None))
    return rows


def _sent_size(data: Any) -> float:
    """Bytes on the wire; an already parsed document never comes through the endpoints."""
    if isinstance(data, dict):
        return float("inf")
    return len(data.encode() if isinstance(data, str) else data)


ROW_FACTORIES: list[Callable[[Settings], list[Row]]] = [warm_rows, distinct_rows, cold_rows, vc_jwt_rows, hostile_rows]


# ------------------------------------------------------------------------------------------------


def pin_to_cpu(cpu: int | None) -> str:
    # Everything runs in one thread, so the figures are per core either way; pinning only keeps
    # the scheduler from migrating the process (pick an idle CPU on a busy machine).
    if cpu is None:
        return "one thread (not pinned)"
    if not hasattr(os, "sched_setaffinity"):
        return "one thread (this OS cannot pin)"
    os.sched_setaffinity(0, {cpu})
    return f"one thread pinned to CPU {cpu}"


def render(rows: list[Row]) -> str:
    headers = ("operation", "path", "median ms/credential", "credentials/s", "canonicalization", "hash+sign+rest")
    table = [
        (
            row.operation,
            row.path,
            f"{row.seconds * 1000:.3f}",
            f"{row.per_second:,.0f}",
            "-" if row.canonicalization_share is None else f"{row.canonicalization_share:.0%}",
            "-" if row.canonicalization_share is None else f"{1 - row.canonicalization_share:.0%}",
        )
        for row in rows
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *table, strict=True)]
    aligns = ["<", "<", ">", ">", ">", ">"]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(f"{cell:{align}{width}}" for cell, align, width in zip(cells, aligns, widths, strict=True))

    return "\n".join([line(headers), "  ".join("-" * width for width in widths), *map(line, table)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run, noisier numbers)")
    parser.add_argument("--cpu", type=int, default=None, help="pin the process to this CPU")
    args = parser.parse_args(argv)
    settings = Settings(repeats=3, warm_calls=50, cold_calls=10) if args.quick else Settings(9, 200, 40)

    size = len(json.dumps(credential(), separators=(",", ":")))
    print(f"credential: OpenBadgeCredential, {size:,} bytes of compact JSON; {pin_to_cpu(args.cpu)}")
    load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    print(f"python {sys.version.split()[0]}, canonicalizer {canon.get_canonicalizer().name}{load}")
    print(f"{settings.repeats} repeats x {settings.warm_calls} (warm) / {settings.cold_calls} (cold) credentials\n")
    rows = [row for factory in ROW_FACTORIES for row in factory(settings)]
    print(render(rows))
    credential_rows = [
        row for row in rows if "DataIntegritySigner" in row.path or "verify_proofs + did:key" in row.path
    ]
    fast = {row.operation: row for row in credential_rows if "(warm, fast path)" in row.path}
    reference = {row.operation: row for row in credential_rows if "(warm, reference path)" in row.path}
    cold = {row.operation: row for row in rows if "(cold)" in row.path}
    sample_fast = {row.operation: row for row in rows if "samples (warm, fast path)" in row.path}
    sample_reference = {row.operation: row for row in rows if "samples (warm, reference path)" in row.path}
    largest_fast = {row.operation: row for row in rows if "largest sample (warm, fast path)" in row.path}
    largest_reference = {row.operation: row for row in rows if "largest sample (warm, reference path)" in row.path}
    print()
    for operation in ("sign", "verify"):
        if operation in fast and operation in cold and operation in reference:
            print(
                f"{operation}: fast path {fast[operation].per_second / reference[operation].per_second:.1f}x the "
                f"reference path, {fast[operation].per_second / cold[operation].per_second:.1f}x the cold path"
            )
        if operation in sample_fast and operation in sample_reference:
            print(
                f"{operation} (samples): fast path "
                f"{sample_fast[operation].per_second / sample_reference[operation].per_second:.1f}x the reference path"
            )
        if operation in largest_fast and operation in largest_reference:
            print(
                f"{operation} (largest sample): fast path "
                f"{largest_fast[operation].per_second / largest_reference[operation].per_second:.1f}x the reference path"
            )
    taken, total, reasons = fast_path_share()
    print(
        f"\nfast path: {taken} of {total} documents ({taken / total:.0%}) — the platform credential and every sample,"
    )
    print(
        "unsecured document and proof configurations"
        + ("; the others took the reference path because:" if reasons else ".")
    )
    for reason, count in sorted(reasons.items()):
        print(f"  {count} x {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
