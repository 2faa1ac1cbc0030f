"""DataIntegrityProof with cryptosuite ecdsa-sd-2023 (W3C VC-DI-ECDSA §3.4-3.6): verify derived proofs.

ecdsa-sd-2023 is selective disclosure. The issuer signs a *base proof* and hands it to the holder only; the holder
derives from it a credential that shows some of the issuer's statements (those the issuer made mandatory, plus the
ones the holder chooses) and a *derived proof* for them. A verifier is only ever shown derived proofs, so only those
are verified here; a base proof is refused with its own reason (it is not verifiable as presented).

The derived proofValue is `u` + base64url (no padding) of the header 0xd9 0x5d 0x01 and a CBOR array of five items
(§3.5.8 parseDerivedProofValue): the issuer's base signature (64 bytes, P-256 r || s), the proof-scoped public key
(a P-256 Multikey: 0x80 0x24 and a 33-byte compressed point), one 64-byte signature per non-mandatory statement, the
label map (CBOR map of integer N to 32 bytes: the blank node `_:c14nN` of the disclosed credential's canonical form
was labelled `_:u` + base64url(bytes) when the issuer signed), and the indexes of the mandatory statements.
Verification (§3.6.7, with createVerifyData §3.5.9):

    proofHash     = SHA-256(RDFC-1.0 of the proof options without proofValue, with the credential's @context)
    nquads        = RDFC-1.0 of the credential without proof, blank nodes relabelled by the label map, sorted
    mandatory     = nquads at mandatoryIndexes; nonMandatory = the others, in order
    mandatoryHash = SHA-256(mandatory joined)
    baseSignature verifies over proofHash || publicKey || mandatoryHash with the issuer's key (assertionMethod)
    signatures[i] verifies over UTF-8(nonMandatory[i]) with the proof-scoped key, for every i

The derived proof's format fixes the base signature at 64 bytes and the labels at 32 (SHA-256 HMACs), so the issuer's
key is P-256 (the suite's only curve in the reference implementation too); a P-384 key is `key_type_mismatch`.
The CBOR is read strictly: no tags (the specification forbids them), no indefinite lengths, no duplicate map keys,
nothing nested deeper than the format needs, nothing after the array, and every item of exactly the type and size
the specification gives. The blank node relabelling is done on the canonical quads' terms (never inside literals),
every blank node must have a label, no label may serve two blank nodes, and no label may be left over.

Bounded work: the proofValue is read up to MAX_PROOF_VALUE_CHARS characters, and at most MAX_SIGNATURES statement
signatures (checked before anything is verified, with the verification's time budget checked as they are); the
canonicalization runs under the same budget and work limits as every other suite's.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec

from verification import budget, canon
from verification.errors import KeyResolutionError, ProofError
from verification.keys import (
    P256_PUB_PREFIX,
    KeyResolver,
    VerificationMethod,
    ec_public_from_multikey_bytes,
)
from verification.suites.base import (
    KEY_TYPE_MISMATCH,
    PROOF_INVALID,
    ProofHashCache,
    malformed,
    sha256,
    unsecured_document,
)
from verification.suites.ecdsa import EcdsaProofSuite, ecdsa_key, verify_p1363
from verification.suites.eddsa_rdfc import proof_configuration

__all__ = [
    "CRYPTOSUITE",
    "MAX_PROOF_VALUE_CHARS",
    "MAX_SIGNATURES",
    "DerivedProof",
    "EcdsaSd2023Suite",
    "VerifyData",
    "create_verify_data",
    "decode_cbor",
    "parse_derived_proof_value",
    "relabel_nquads",
]

CRYPTOSUITE = "ecdsa-sd-2023"
BASE_PROOF_HEADER = b"\xd9\x5d\x00"
DERIVED_PROOF_HEADER = b"\xd9\x5d\x01"

# A derived proof costs 66 bytes per statement the holder chose to show (its signature), 35 per blank node (its
# label) and 1 to 3 per mandatory statement (its index); the text is 4/3 of that. Measured on proofs Digital Bazaar's
# cryptosuite derived: the platform's test credential (tests/verification/credentials.py) disclosed in full takes
# 3,425 characters; with 100 alignments and 100 tags (720 statement signatures, 103 blank nodes) 68,491. 160,000
# characters (120,000 bytes) hold 1,000 statement signatures with a label each, and are read (decoded and
# type-checked) in about a millisecond.
MAX_PROOF_VALUE_CHARS = 160_000
# Each statement signature is one P-256 verification (about 50 µs): 1,000 take some 50 ms. The 720-signature proof
# above verifies in about 80 ms, canonicalization included.
MAX_SIGNATURES = 1_000
_BUDGET_STRIDE = 64  # statement signatures verified between two looks at the time budget

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_SIGNATURE_BYTES = 64  # P-256 r || s
_PUBLIC_KEY_BYTES = len(P256_PUB_PREFIX) + 33  # 35: §3.5.8 says "36", but its own Multikey encoding has 35
_LABEL_BYTES = 32  # HMAC-SHA-256

# One canonical N-Quad as verification.rdfc serializes it: IRIs escaped (no `>` or space inside), literals with `"`
# and `\` escaped, language tags well-formed (BCP 47, checked by verification.jsonld), canonical blank node labels.
_IRI = r"<[^>]*>"
_BLANK = r"_:c14n[0-9]+"
_LITERAL = r'"[^"\\]*(?:\\.[^"\\]*)*"(?:\^\^<[^>]*>|@[A-Za-z0-9-]+)?'
_QUAD = re.compile(rf"({_IRI}|{_BLANK}) ({_IRI}) ({_IRI}|{_BLANK}|{_LITERAL})(?: ({_IRI}|{_BLANK}))? \.\n")

# Canonical proof configurations met while verifying (a batch of disclosed credentials shares one).
_PROOF_HASHES = ProofHashCache()


@dataclass(frozen=True)
class DerivedProof:
    """The five components of a derived proofValue, each checked for type and size (§3.5.8)."""

    base_signature: bytes
    public_key: bytes  # the proof-scoped key's Multikey bytes, signed as they are
    proof_key: ec.EllipticCurvePublicKey  # the same key, decoded
    signatures: tuple[bytes, ...]
    label_map: dict[str, str]  # "c14nN" -> "u" + base64url(label bytes), decompressed (§3.5.6)
    mandatory_indexes: tuple[int, ...]


@dataclass(frozen=True)
class VerifyData:
    """What createVerifyData (§3.5.9) computes from the disclosed credential."""

    proof_hash: bytes
    nquads: list[str]  # relabelled and sorted
    mandatory: list[str]
    non_mandatory: list[str]
    mandatory_hash: bytes


# ------------------------------------------------------------------------------------------------
# The proof value


class _TagRefused(Exception):  # noqa: N818 - an internal signal, turned into a ProofError
    def __init__(self, tag: int) -> None:
        super().__init__(tag)
        self.tag = tag


def _refuse_tag(tag: int) -> cbor2.SemanticDecoderCallback:
    def refuse(*args: Any) -> Any:
        raise _TagRefused(tag)

    return refuse


class _NoTags(Mapping[int, cbor2.SemanticDecoderCallback]):
    """cbor2 looks every tag up in `semantic_decoders` before its own decoders (regular expressions, sets, bignums,
    dates, MIME messages, shared references...): every one is refused here, so none of them runs on hostile input.
    The tag's content is decoded first, within the same depth limit. `tag_hook` refuses as well, should a later
    cbor2 consult this mapping for fewer tags (tests/verification/test_ecdsa_sd.py tries them)."""

    def __getitem__(self, tag: int) -> cbor2.SemanticDecoderCallback:
        return _refuse_tag(tag)

    def __iter__(self) -> Iterator[int]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _tag_hook(tag: cbor2.CBORTag, immutable: bool) -> Any:
    raise _TagRefused(tag.tag)


def decode_cbor(payload: bytes) -> Any:
    """One CBOR item that fills `payload` exactly, read strictly: no tags, no indefinite lengths, no duplicate map
    keys, no item more than two levels down (an array or map inside the top array holds only scalars). ProofError(proof_malformed) otherwise."""
    stream = io.BytesIO(payload)
    decoder = cbor2.CBORDecoder(
        stream,
        tag_hook=_tag_hook,
        semantic_decoders=_NoTags(),
        max_depth=2,  # cbor2 counts the levels of items: the top array's (1), and its arrays' and map's (2)
        allow_indefinite=False,
        allow_duplicate_keys=False,
    )
    try:
        value = decoder.decode()
    except cbor2.CBORError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, _TagRefused):
            raise malformed(
                f"The proofValue's CBOR uses tag {cause.tag}; ecdsa-sd-2023 forbids CBOR tags in its components."
            ) from None
        raise malformed(f"The proofValue is not well-formed strict CBOR ({_cbor_reason(exc)}).") from None
    if stream.tell() != len(payload):
        raise malformed(f"The proofValue has {len(payload) - stream.tell()} bytes after its CBOR array.")
    return value


def _cbor_reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _kind(value: Any) -> str:
    """How a message names a decoded CBOR item."""
    if type(value) is bytes:
        return f"a byte string of {len(value)} bytes"
    if type(value) is int:
        return "an integer"
    if isinstance(value, str):
        return "a text string"
    if isinstance(value, list):
        return f"an array of {len(value)} items"
    if isinstance(value, dict):
        return f"a map of {len(value)} entries"
    if isinstance(value, bool) or value is None:
        return "a simple value"
    if isinstance(value, float):
        return "a floating-point number"
    return "a value of another CBOR type"


def _byte_string(value: Any, size: int, what: str) -> bytes:
    if type(value) is not bytes or len(value) != size:
        raise malformed(f"The derived proof's {what} must be a byte string of {size} bytes, not {_kind(value)}.")
    return value


def _base64url(text: str) -> bytes:
    """Strict base64url without padding: the alphabet only, and the one encoding of the bytes it decodes to."""
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise malformed("The proofValue after its 'u' is not base64url without padding.")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise malformed("The proofValue after its 'u' is not base64url without padding.") from None
    if _b64url(raw) != text:
        raise malformed("The proofValue's base64url has stray bits in its last character (not its one encoding).")
    return raw


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parse_derived_proof_value(value: Any) -> DerivedProof:
    """The components of an ecdsa-sd-2023 derived proofValue (§3.5.8), every one checked; ProofError(proof_malformed)
    with the precise reason otherwise — a base proof (header 0xd9 0x5d 0x00) with its own."""
    if not isinstance(value, str) or not value:
        raise malformed("The proof has no proofValue string.")
    if len(value) > MAX_PROOF_VALUE_CHARS:
        raise malformed(
            f"The proofValue is {len(value):,} characters long; ecdsa-sd-2023 proof values are read up to "
            f"{MAX_PROOF_VALUE_CHARS:,} characters (about {MAX_SIGNATURES:,} disclosed statements)."
        )
    if not value.startswith("u"):
        raise malformed(
            f"An ecdsa-sd-2023 proofValue is multibase base64url without padding (starting with 'u'), not "
            f"{value[:1]!r}."
        )
    raw = _base64url(value[1:])
    if raw[:3] == BASE_PROOF_HEADER:
        raise malformed(
            "This is an ecdsa-sd-2023 base proof, which the issuer gives only to the holder: it is not verifiable "
            "as presented. The holder derives from it a credential with a derived proof to show a verifier."
        )
    if raw[:3] != DERIVED_PROOF_HEADER:
        raise malformed(
            f"The proofValue does not start with the ecdsa-sd-2023 derived proof header d95d01 (it starts with "
            f"{raw[:3].hex() or 'nothing'})."
        )
    components = decode_cbor(raw[3:])
    if not isinstance(components, list) or len(components) != 5:
        raise malformed(
            "A derived proof is a CBOR array of exactly five items (baseSignature, publicKey, signatures, labelMap, "
            f"mandatoryIndexes), not {_kind(components)}."
        )
    base_signature = _byte_string(components[0], _SIGNATURE_BYTES, "baseSignature")
    public_key = _byte_string(components[1], _PUBLIC_KEY_BYTES, "publicKey")
    if public_key[:2] != P256_PUB_PREFIX:
        raise malformed(
            f"The derived proof's publicKey must be a P-256 Multikey (header 8024), not one with header "
            f"{public_key[:2].hex()}."
        )
    try:
        proof_key = ec_public_from_multikey_bytes(public_key)
    except KeyResolutionError as exc:
        raise malformed(f"The derived proof's publicKey is not usable: {exc.message}") from None
    return DerivedProof(
        base_signature,
        public_key,
        proof_key,
        _signatures(components[2]),
        _label_map(components[3]),
        _mandatory_indexes(components[4]),
    )


def _signatures(value: Any) -> tuple[bytes, ...]:
    if not isinstance(value, list):
        raise malformed(f"The derived proof's signatures must be an array of byte strings, not {_kind(value)}.")
    if len(value) > MAX_SIGNATURES:
        raise malformed(
            f"The derived proof carries {len(value):,} statement signatures; at most {MAX_SIGNATURES:,} are verified."
        )
    for number, signature in enumerate(value, start=1):
        _byte_string(signature, _SIGNATURE_BYTES, f"signature {number}")
    return tuple(value)


def _label_map(value: Any) -> dict[str, str]:
    """The decompressed label map (§3.5.6): "c14nN" -> "u" + base64url(label)."""
    if not isinstance(value, dict):
        raise malformed(f"The derived proof's labelMap must be a map of integers to byte strings, not {_kind(value)}.")
    labels: dict[str, str] = {}
    for key, label in value.items():
        if type(key) is not int or key < 0:
            raise malformed(f"The derived proof's labelMap keys must be unsigned integers, not {_kind(key)}.")
        labels[f"c14n{key}"] = "u" + _b64url(_byte_string(label, _LABEL_BYTES, f"label for _:c14n{key}"))
    if len(set(labels.values())) != len(labels):
        raise malformed("The derived proof's labelMap gives two blank nodes the same label.")
    return labels


def _mandatory_indexes(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise malformed(f"The derived proof's mandatoryIndexes must be an array of integers, not {_kind(value)}.")
    for index in value:
        if type(index) is not int or index < 0:
            raise malformed(f"The derived proof's mandatoryIndexes must be unsigned integers, not {_kind(index)}.")
    if len(set(value)) != len(value):
        raise malformed("The derived proof's mandatoryIndexes name one statement twice.")
    return tuple(value)


# ------------------------------------------------------------------------------------------------
# The disclosed credential


def _mismatch(finding: str) -> ProofError:
    """The credential and its well-formed derived proof do not fit together: statements were added or removed."""
    return ProofError(f"{finding}: the credential is not the one the proof was derived for.", code=PROOF_INVALID)


def relabel_nquads(canonical: str, label_map: Mapping[str, str]) -> list[str]:
    """The canonical N-Quads with each blank node `_:c14nN` relabelled `_:<labelMap[c14nN]>`, sorted (code point
    order). Every blank node needs a label and every label a blank node; ProofError(proof_invalid) otherwise."""
    used: set[str] = set()

    def relabel(term: str | None) -> str | None:
        if term is None or not term.startswith("_:"):
            return term
        label = term[2:]
        new = label_map.get(label)
        if new is None:
            raise _mismatch(f"The credential has a blank node the derived proof's labelMap does not label (_:{label})")
        used.add(label)
        return "_:" + new

    lines = []
    for line in canonical.splitlines(keepends=True):
        quad = _QUAD.fullmatch(line)
        if quad is None:  # verification.rdfc wrote it: never reached
            raise ValueError(f"unexpected canonical N-Quad {line[:80]!r}")
        subject, predicate, obj, graph = quad.groups()
        parts = [relabel(subject), predicate, relabel(obj), relabel(graph)]
        lines.append(" ".join(part for part in parts if part is not None) + " .\n")
    unused = sorted(set(label_map) - used, key=lambda label: int(label[4:]))
    if unused:
        raise _mismatch(f"The derived proof's labelMap labels blank nodes the credential does not have (_:{unused[0]})")
    lines.sort()
    return lines


def create_verify_data(document: Mapping[str, Any], proof: Mapping[str, Any], derived: DerivedProof) -> VerifyData:
    """createVerifyData (§3.5.9) for a P-256 issuer key: the hashes the base signature covers and the statements
    the holder chose to disclose."""
    unsecured = unsecured_document(document, proof)
    # The document first: when both fail, its error is the one that explains the failure.
    nquads = relabel_nquads(canon.canonicalize(unsecured), derived.label_map)
    outside = [index for index in derived.mandatory_indexes if index >= len(nquads)]
    if outside:
        raise _mismatch(
            f"The derived proof names mandatory statement {outside[0]}, but the credential has {len(nquads)} "
            "statements (numbered from 0)"
        )
    chosen = set(derived.mandatory_indexes)
    mandatory = [nquad for index, nquad in enumerate(nquads) if index in chosen]
    non_mandatory = [nquad for index, nquad in enumerate(nquads) if index not in chosen]
    proof_hash = _PROOF_HASHES.digest(proof_configuration(unsecured, proof), canon.canonicalize)
    return VerifyData(proof_hash, nquads, mandatory, non_mandatory, sha256("".join(mandatory)))


# ------------------------------------------------------------------------------------------------
# The suite


class EcdsaSd2023Suite(EcdsaProofSuite[DerivedProof]):
    name = CRYPTOSUITE

    def signature(self, proof: Mapping[str, Any]) -> DerivedProof:
        return parse_derived_proof_value(proof.get("proofValue"))

    def assertion_key(self, resolver: KeyResolver, proof: Mapping[str, Any]) -> VerificationMethod:
        method, curve = ecdsa_key(resolver, proof, self.name)
        if curve != "P-256":
            raise ProofError(
                f"The key {method.id} is {curve}; an ecdsa-sd-2023 derived proof carries a 64-byte P-256 base "
                "signature and SHA-256 labels (VC-DI-ECDSA §3.5.8), so its issuer key is P-256.",
                code=KEY_TYPE_MISMATCH,
            )
        return method

    def verify_signature(
        self, document: Mapping[str, Any], proof: Mapping[str, Any], method: VerificationMethod, derived: DerivedProof
    ) -> str:
        issuer_key = method.public_key
        assert isinstance(issuer_key, ec.EllipticCurvePublicKey)  # assertion_key checked it
        data = create_verify_data(document, proof, derived)
        if len(derived.signatures) != len(data.non_mandatory):
            raise ProofError(
                f"The derived proof carries {len(derived.signatures)} statement signatures for the credential's "
                f"{len(data.non_mandatory)} non-mandatory statements: statements were added or removed after the "
                "holder disclosed them.",
                code=PROOF_INVALID,
            )
        to_verify = data.proof_hash + derived.public_key + data.mandatory_hash
        try:
            verify_p1363(issuer_key, "P-256", derived.base_signature, to_verify, what="baseSignature")
        except InvalidSignature:
            raise ProofError(
                "The ecdsa-sd-2023 base signature does not match: the mandatory statements or the proof options "
                "were altered after signing, or another key signed them.",
                code=PROOF_INVALID,
            ) from None
        for number, (signature, statement) in enumerate(zip(derived.signatures, data.non_mandatory, strict=True)):
            if number % _BUDGET_STRIDE == 0:
                budget.check()
            try:
                verify_p1363(
                    derived.proof_key, "P-256", signature, statement.encode("utf-8"), what=f"signature {number + 1}"
                )
            except InvalidSignature:
                raise ProofError(
                    f"The signature of disclosed statement {number + 1} of {len(data.non_mandatory)} does not match "
                    "it: a disclosed value was altered after the issuer signed it.",
                    code=PROOF_INVALID,
                ) from None
        chosen = len(data.non_mandatory)
        return (
            "It is a selectively disclosed credential: it shows only the statements the holder chose to reveal, "
            f"{len(data.nquads)} in all ({len(data.mandatory)} the issuer made mandatory, {chosen} chosen by the "
            "holder), each exactly as the issuer signed it; anything else the issuer signed is not shown."
        )
