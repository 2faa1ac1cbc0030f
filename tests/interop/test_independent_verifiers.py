"""Credentials the platform signs are accepted by independent implementations, offline.

1. The harness itself: a W3C vc-di-eddsa vector and a 1EdTech sample verify, and a copy with one
   character of credentialSubject changed is rejected by every verifier (so these tests can fail).
2. The platform's credentials, both formats, with Unicode text: Data Integrity eddsa-rdfc-2022
   (did:key and did:web issuers) and VC-JWT (EdDSA, ES256, RS256; key from a DID document, the
   JWS header `jwk` or a JWKS). Each is accepted by every verifier that supports its format and
   algorithm, and its tampered copy is rejected by all of them.
3. Known field behaviour, pinned: control characters in signed strings (docs/interop.md).

The credentials come from the `platform_credentials` fixture: a list of items
`{"name", "format": "ldp"|"jwt", "credential" | "jws", "jwks"?, "did_documents"?}`. It is built
locally below; the platform's own credential builder replaces it by changing that fixture's body.
"""

from __future__ import annotations

import base64
import copy
import json
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.actors import SETUP

# The platform's own credentials are issued through the database (rolled back afterwards).
pytestmark = pytest.mark.django_db

from tests.paths import SAMPLES, VECTORS  # noqa: E402

W3C_VECTOR = VECTORS / "w3c-vc-di-eddsa/TestVectors/eddsa-rdfc-2022/signedDataInt.json"
EDTECH_SAMPLE = SAMPLES / "simple-did-key-method.json"

LDP_VERIFIERS = ("digitalbazaar/vc", "verifier-core", "openbadgeslib")
# JWS algorithms each VC-JWT verifier supports among those the platform signs with. jose is given
# EdDSA, Ed25519, ES256 and RS256 as allowed algorithms; openbadgeslib's OB3Verifier binds EdDSA to
# Ed25519 keys, ES256/384/512 to EC keys and RS256/384/512 to RSA keys.
JWT_ALGORITHMS = {
    "jose": {"EdDSA", "ES256", "RS256"},
    "openbadgeslib": {"EdDSA", "ES256", "RS256"},
}

# Reference credentials: which verifiers accept them. Neither sample's issuer controls its key (W3C:
# an https issuer signed with a did:key; 1EdTech: a urn:uuid issuer), so digitalbazaar/vc and
# openbadgeslib check them without issuer binding (`issuer_binding: False`). verifier-core cannot be
# told so and refuses both; it also resolves the 1EdTech sample's bare did:key verificationMethod to
# a DID document instead of a key. digitalbazaar/vc does too unless `bare_did_key_as_key` is set.
REFERENCE_ACCEPTED_BY = {
    "w3c-vc-di-eddsa-signedDataInt": {"digitalbazaar/vc", "openbadgeslib"},
    "1edtech-simple-did-key-method": {"digitalbazaar/vc", "openbadgeslib"},
}

DID_WEB = "did:web:badges.example.test:issuers:demo"
DID_CONTEXT = [
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/multikey/v1",
    "https://w3id.org/security/jwk/v1",
]

# Accents (precomposed and combining), CJK, emoji (astral, ZWJ sequence), right-to-left scripts;
# no control characters (see docs/interop.md on their escaping).
TEXT = {
    "issuer": "Université Côte d’Azur · 東京大学 · جامعة القاهرة",
    "badge": "Ingénierie des données — データ工学 🎓",
    "description": "Conçu pour les étudiant·e·s: Ελληνικά, 한국어, עברית, and a cafe\u0301 🧑🏽‍💻.",
    "criteria": "Réussir l’examen final (≥ 80 %) — 最終試験に合格すること — اجتياز الاختبار النهائي ✅",
}


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------------
# Tampering: one character of credentialSubject changes, the proof stays.


def _tamper_subject(credential: dict[str, Any]) -> dict[str, Any]:
    tampered = copy.deepcopy(credential)
    subject = tampered["credentialSubject"]
    holder = subject.get("achievement", subject)
    key = (
        "name"
        if isinstance(holder.get("name"), str)
        else next(k for k, v in holder.items() if isinstance(v, str) and k not in ("id", "type"))
    )
    value = holder[key]
    holder[key] = value[:-1] + ("X" if value[-1] != "X" else "Y")
    return tampered


def _b64u_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def tampered(item: dict[str, Any]) -> dict[str, Any]:
    copy_ = {k: v for k, v in item.items() if k != "did_documents"}
    copy_["name"] = f"{item['name']} (tampered)"
    if item["format"] == "ldp":
        copy_["credential"] = _tamper_subject(item["credential"])
    else:
        header, payload, signature = item["jws"].split(".")
        changed = _tamper_subject(json.loads(_b64u_decode(payload)))
        payload = _b64u(json.dumps(changed, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        copy_["jws"] = f"{header}.{payload}.{signature}"
    return copy_


def jws_alg(item: dict[str, Any]) -> str:
    return json.loads(_b64u_decode(item["jws"].split(".")[0]))["alg"]


# ------------------------------------------------------------------------------------------------
# The platform's credentials (local builder; replaced by the platform's own builder later)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def open_badge(issuer_id: str, *, subject: dict[str, Any]) -> dict[str, Any]:
    """A realistic OpenBadgeCredential in the shape docs/credential-format.md describes, Unicode text."""
    now = _now()
    status_list = "https://badges.example.test/issuers/demo/status/revocation/0"
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        ],
        "id": f"https://badges.example.test/credentials/{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": TEXT["badge"],
        "description": TEXT["description"],
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": TEXT["issuer"], "url": "https://badges.example.test"},
        "validFrom": _iso(now - timedelta(days=1)),
        "validUntil": _iso(now + timedelta(days=365)),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            **subject,
            "achievement": {
                "id": f"https://badges.example.test/achievements/{uuid.uuid4()}",
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": TEXT["badge"],
                "description": TEXT["description"],
                "criteria": {"narrative": TEXT["criteria"]},
                "tag": ["données", "データ", "🎓"],
                "creditsAvailable": 3,
            },
        },
        "evidence": [
            {
                "id": "https://badges.example.test/evidence/4711",
                "type": ["Evidence"],
                "narrative": "Projet final : « 数据管道 » — تقرير المشروع",
            }
        ],
        "credentialStatus": {
            "id": f"{status_list}#4711",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "4711",
            "statusListCredential": status_list,
        },
        "credentialSchema": [
            {
                "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
                "type": "1EdTechJsonSchemaValidator2019",
            }
        ],
    }


SUBJECT_ID = {"id": "did:example:9f0c2b7e4a1d"}
SUBJECT_IDENTIFIER = {
    "identifier": [
        {
            "type": "IdentityObject",
            "hashed": True,
            "identityHash": "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399",
            "identityType": "emailAddress",
            "salt": "Kosher",
        }
    ]
}


def build_local_platform_credentials() -> list[dict[str, Any]]:
    """Signs with the platform's signers (verification.suites, verification.jwt) and local keys."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    from verification.jwt import encode_vc_jwt
    from verification.keys import did_key_from_ed25519, ed25519_public_to_multibase, public_jwk
    from verification.suites import DataIntegritySigner

    key_did_key = ed25519.Ed25519PrivateKey.generate()
    did_key = did_key_from_ed25519(key_did_key.public_key())
    did_key_vm = f"{did_key}#{did_key.removeprefix('did:key:')}"

    key_web_ed = ed25519.Ed25519PrivateKey.generate()
    key_web_p256 = ec.generate_private_key(ec.SECP256R1())
    key_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    web_ed_vm, web_p256_vm = f"{DID_WEB}#key-ed25519", f"{DID_WEB}#key-p256"
    did_document = {
        "@context": DID_CONTEXT,
        "id": DID_WEB,
        "verificationMethod": [
            {
                "id": web_ed_vm,
                "type": "Multikey",
                "controller": DID_WEB,
                "publicKeyMultibase": ed25519_public_to_multibase(key_web_ed.public_key()),
            },
            {
                "id": web_p256_vm,
                "type": "JsonWebKey",
                "controller": DID_WEB,
                "publicKeyJwk": public_jwk(key_web_p256.public_key()),
            },
        ],
        "assertionMethod": [web_ed_vm, web_p256_vm],
    }
    did_documents = {DID_WEB: did_document}
    rsa_kid = "https://badges.example.test/issuers/demo/keys/rsa-1"
    rsa_jwks = [{**public_jwk(key_rsa.public_key()), "kid": rsa_kid, "alg": "RS256", "use": "sig"}]

    def ldp(name: str, key: Any, vm: str, issuer: str, subject: dict[str, Any]) -> dict[str, Any]:
        signed = DataIntegritySigner(key, vm).sign(open_badge(issuer, subject=subject))
        return {"name": name, "format": "ldp", "credential": signed, "did_documents": did_documents}

    def jwt(name: str, key: Any, issuer: str, subject: dict[str, Any], **key_ref: Any) -> dict[str, Any]:
        token = encode_vc_jwt(open_badge(issuer, subject=subject), key, **key_ref)
        return {"name": name, "format": "jwt", "jws": token, "did_documents": did_documents}

    return [
        ldp("ldp did:key", key_did_key, did_key_vm, did_key, SUBJECT_ID),
        ldp("ldp did:web", key_web_ed, web_ed_vm, DID_WEB, SUBJECT_IDENTIFIER),
        jwt("jwt EdDSA kid did:key", key_did_key, did_key, SUBJECT_ID, kid=did_key_vm),
        jwt("jwt EdDSA kid did:web", key_web_ed, DID_WEB, SUBJECT_IDENTIFIER, kid=web_ed_vm),
        jwt("jwt ES256 kid did:web", key_web_p256, DID_WEB, SUBJECT_ID, kid=web_p256_vm),
        jwt(
            "jwt ES256 header jwk", key_web_p256, DID_WEB, SUBJECT_IDENTIFIER, jwk=public_jwk(key_web_p256.public_key())
        ),
        jwt("jwt RS256 header jwk", key_rsa, DID_WEB, SUBJECT_ID, jwk=public_jwk(key_rsa.public_key())),
        {**jwt("jwt RS256 kid JWKS", key_rsa, DID_WEB, SUBJECT_IDENTIFIER, kid=rsa_kid), "jwks": rsa_jwks},
    ]


BADGE_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 10 10">'
    b'<circle cx="5" cy="5" r="4" fill="#0b57d0"/></svg>'
)


def _png_logo() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (48, 48), "#1a7f37").save(out, format="PNG")
    return out.getvalue()


def issue_with_the_platform() -> list[dict[str, Any]]:
    """Credentials made by the real award service (badges.services.credential_issue), both formats,
    one VC-JWT key of each algorithm, Unicode everywhere. Runs in a transaction that is rolled back."""
    from django.core.files.base import ContentFile
    from django.db import transaction
    from django.test import override_settings

    from badges.baking import credential_bake
    from badges.models import Achievement, Alignment
    from badges.services import AwardRequest, credential_issue
    from issuer.images import image_store
    from issuer.models import Issuer, KeyPurpose
    from issuer.selectors import did_document
    from issuer.services import issuer_create, issuer_update, signing_key_create
    from verification.baking import extract_png, extract_svg

    items: list[dict[str, Any]] = []
    # Images are stored and read (for baking) in one media folder of its own.
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media), transaction.atomic():
        issuer = issuer_create(
            slug="interop",
            name="Université de Münster — 東京 Campus ✅",
            description="Línea uno.\nZweite Zeile — שלום",
            url="https://example.org/münster",
            actor=SETUP,
        )
        achievement = Achievement.objects.create(
            issuer=issuer,
            slug="data-ethik",
            name="Datenethik & Ökonomie — 数据伦理 🎓",
            description="Évalue les enjeux éthiques des données.\nمرحبا بالعالم",
            criteria_narrative="Réussir l'examen **final** (≥ 70 %).",
            achievement_type="MicroCredential",
            tags=["éthique", "データ"],
            credits_available=2.5,
            in_language="de",
            result_descriptions=[{"name": "Note finale", "resultType": "Percent", "requiredValue": "70"}],
        )
        Alignment.objects.create(
            achievement=achievement,
            target_name="Éthique des données",
            target_url="https://example.org/compétences/éthique",
            target_framework="ESCO",
            target_code="E-1",
            target_type="ceasn:Competency",
        )
        # A logo and a badge image: linked by URL in two runs, embedded as data: URIs in the Ed25519 run (D28).
        issuer = issuer_update(issuer=issuer, image=ContentFile(_png_logo(), name="logo.png"), actor=SETUP)
        achievement.image = image_store(ContentFile(BADGE_SVG, name="badge.svg"), folder="achievements")
        achievement.save(update_fields=["image"])
        for algorithm in ("Ed25519", "P-256", "RSA"):
            Issuer.objects.filter(pk=issuer.pk).update(embed_images=algorithm == "Ed25519")
            achievement.issuer.refresh_from_db()
            signing_key_create(issuer=issuer, purpose=KeyPurpose.JWT, algorithm=algorithm, actor=SETUP)
            credential = credential_issue(
                request=AwardRequest(
                    achievement=achievement,
                    email=f"zoë.{algorithm.lower()}@example.org".replace("ë", "e"),
                    name="Zoë Ångström 李",
                    format="both",
                    evidence=[
                        {
                            "id": "https://example.org/work/ü",
                            "narrative": "Projet réalisé ✅",
                            "name": "Analyse — 数据",
                            "description": "Étude de cas",
                            "genre": "Projet",
                        }
                    ],
                    # What the learner achieved (D65): each verifier must read these terms from the OB context.
                    results=[{"result_description": "Note finale", "value": "87"}],
                    awarded_date=datetime(2024, 6, 30, 12, tzinfo=UTC),
                    activity_start_date=datetime(2024, 4, 1, tzinfo=UTC),
                    activity_end_date=datetime(2024, 6, 28, tzinfo=UTC),
                    narrative="A mené l'analyse **seule** — 独立 ✅",
                ),
                source="api",
                actor=SETUP,
            )
            documents = {issuer.did: did_document(issuer)}
            items.append(
                {
                    "name": f"platform ldp ({algorithm} run)",
                    "format": "ldp",
                    "credential": json.loads(credential.document),
                    "did_documents": documents,
                }
            )
            items.append(
                {
                    "name": f"platform jwt {algorithm}",
                    "format": "jwt",
                    "jws": credential.jws,
                    "did_documents": documents,
                }
            )
            # What a learner downloads: the baked badges must carry a credential that verifies everywhere.
            credential_bake(credential=credential)
            png = extract_png(credential.baked_png.read())
            svg = extract_svg(credential.baked_svg.read())
            for kind, payload in (("png", png), ("svg", svg)):
                items.append(
                    {
                        "name": f"platform baked {kind} ({algorithm} run)",
                        "format": "ldp",
                        "credential": json.loads(payload),
                        "did_documents": documents,
                    }
                )
        transaction.set_rollback(True)
    return items


@pytest.fixture(scope="module")
def platform_credentials(django_db_setup, django_db_blocker) -> list[dict[str, Any]]:
    with django_db_blocker.unblock():
        issued = issue_with_the_platform()
    return build_local_platform_credentials() + issued


# ------------------------------------------------------------------------------------------------
# One run of every verifier over every item


@pytest.fixture(scope="module")
def reference_items() -> list[dict[str, Any]]:
    w3c = {
        "name": "w3c-vc-di-eddsa-signedDataInt",
        "format": "ldp",
        "credential": _load(W3C_VECTOR),
        "issuer_binding": False,
    }
    edtech = {
        "name": "1edtech-simple-did-key-method",
        "format": "ldp",
        "credential": _load(EDTECH_SAMPLE),
        "issuer_binding": False,
        "bare_did_key_as_key": True,
    }
    return [w3c, edtech, tampered(w3c), tampered(edtech)]


# Control characters in signed strings (see docs/interop.md). RDFC-1.0 writes BS and FF as \b \f
# and the other C0 controls and DEL as \uXXXX; stock pyld, which openbadgeslib canonicalizes with,
# writes them raw, so it computes another hash. LF, CR and TAB are escaped alike by both.
CONTROL_CHARACTERS = {
    "LF": "\n",
    "CR": "\r",
    "TAB": "\t",
    "BS": "\b",
    "FF": "\f",
    "VT": "\v",
    "U+0001": "\x01",
    "DEL": "\x7f",
}
CONTROL_CHARACTERS_ACCEPTED_BY = {
    **{label: set(LDP_VERIFIERS) for label in ("LF", "CR", "TAB")},
    **{label: {"digitalbazaar/vc", "verifier-core"} for label in ("BS", "FF", "VT", "U+0001", "DEL")},
}


@pytest.fixture(scope="module")
def control_character_items() -> list[dict[str, Any]]:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from verification.keys import did_key_from_ed25519
    from verification.suites import DataIntegritySigner

    key = ed25519.Ed25519PrivateKey.generate()
    did = did_key_from_ed25519(key.public_key())
    signer = DataIntegritySigner(key, f"{did}#{did.removeprefix('did:key:')}")
    items = []
    for label, character in CONTROL_CHARACTERS.items():
        credential = open_badge(did, subject=SUBJECT_ID)
        credential["credentialSubject"]["achievement"]["description"] = f"Première ligne{character}二行目 ✅"
        items.append({"name": f"control character {label}", "format": "ldp", "credential": signer.sign(credential)})
    return items


@pytest.fixture(scope="module")
def results(run_interop, reference_items, platform_credentials, control_character_items):
    did_documents: dict[str, Any] = {}
    for item in platform_credentials:
        did_documents.update(item.get("did_documents", {}))
    platform = [{k: v for k, v in item.items() if k != "did_documents"} for item in platform_credentials]
    items = reference_items + platform + [tampered(item) for item in platform] + control_character_items
    return run_interop(items, did_documents)


def _explain(results, names: list[str]) -> str:
    lines = []
    for name in names:
        for verifier, verified in sorted(results.outcomes(name).items()):
            record = results.get(name, verifier)
            lines.append(f"  {name} / {verifier}: {'verified' if verified else 'REJECTED'} {record['errors'][:2]}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# 1. The harness verifies, and can fail


@pytest.mark.parametrize("name", sorted(REFERENCE_ACCEPTED_BY))
def test_reference_credentials_verify(results, name):
    outcomes = {verifier: results.get(name, verifier)["verified"] for verifier in LDP_VERIFIERS}
    expected = {verifier: verifier in REFERENCE_ACCEPTED_BY[name] for verifier in LDP_VERIFIERS}
    assert outcomes == expected, _explain(results, [name])


@pytest.mark.parametrize("name", sorted(REFERENCE_ACCEPTED_BY))
def test_tampered_reference_credentials_fail_everywhere(results, name):
    name = f"{name} (tampered)"
    outcomes = {verifier: results.get(name, verifier)["verified"] for verifier in LDP_VERIFIERS}
    assert not any(outcomes.values()), _explain(results, [name])


# ------------------------------------------------------------------------------------------------
# 2 + 3. The platform's credentials


def test_platform_credentials_cover_both_formats_and_all_algorithms(platform_credentials):
    formats = {item["format"] for item in platform_credentials}
    algorithms = {jws_alg(item) for item in platform_credentials if item["format"] == "jwt"}
    assert formats == {"ldp", "jwt"}
    assert algorithms == {"EdDSA", "ES256", "RS256"}


def test_platform_credentials_carry_images_by_url_and_embedded(platform_credentials):
    images = [
        (
            item["credential"]["issuer"]["image"]["id"],
            item["credential"]["credentialSubject"]["achievement"]["image"]["id"],
        )
        for item in platform_credentials
        if item["name"].startswith("platform ldp")
    ]
    assert {(logo.split(",")[0], badge.split(",")[0]) for logo, badge in images if logo.startswith("data:")} == {
        ("data:image/png;base64", "data:image/svg+xml;base64")
    }
    assert sum(logo.startswith("https://") and badge.startswith("https://") for logo, badge in images) == 2


def test_platform_data_integrity_credentials_verify(results, platform_credentials):
    names = [item["name"] for item in platform_credentials if item["format"] == "ldp"]
    failures = [(name, v) for name in names for v in LDP_VERIFIERS if not results.get(name, v)["verified"]]
    assert not failures, _explain(results, names)


def test_platform_vc_jwt_credentials_verify(results, platform_credentials):
    items = [item for item in platform_credentials if item["format"] == "jwt"]
    outcomes = {(item["name"], v): results.get(item["name"], v)["verified"] for item in items for v in JWT_ALGORITHMS}
    expected = {(item["name"], v): jws_alg(item) in algs for item in items for v, algs in JWT_ALGORITHMS.items()}
    assert outcomes == expected, _explain(results, [item["name"] for item in items])


def test_tampered_platform_credentials_fail_everywhere(results, platform_credentials):
    names = [f"{item['name']} (tampered)" for item in platform_credentials]
    for name in names:
        assert results.outcomes(name), f"no verifier ran on {name}"
    accepted = [(name, v) for name in names for v, verified in results.outcomes(name).items() if verified]
    assert not accepted, _explain(results, names)


def test_openbadgeslib_bundled_contexts_match_the_platform_bundle(results, platform_credentials):
    """openbadgeslib's OB3LdpVerifier canonicalizes with its own pinned contexts; they must equal ours."""
    for item in platform_credentials:
        if item["format"] == "ldp":
            assert results.get(item["name"], "openbadgeslib").get("context_differences") == [], item["name"]


@pytest.mark.parametrize("label", sorted(CONTROL_CHARACTERS))
def test_control_characters_field_behaviour(results, label):
    """Known field behaviour, pinned: what each verifier does with a control character in a signed string."""
    name = f"control character {label}"
    outcomes = {verifier: results.get(name, verifier)["verified"] for verifier in LDP_VERIFIERS}
    expected = {verifier: verifier in CONTROL_CHARACTERS_ACCEPTED_BY[label] for verifier in LDP_VERIFIERS}
    assert outcomes == expected, _explain(results, [name])


def test_verifiers_stayed_offline(results):
    """No verifier asked for anything but the bundle and the DID documents handed in.

    verifier-core is the exception: it also tries to fetch the OB JSON schema and the status list
    (both refused; neither result is judged)."""
    for record in results.records:
        attempts = record.get("network_attempts", [])
        if record["verifier"] == "verifier-core":
            attempts = [url for url in attempts if "/schema/" not in url and "/status/" not in url]
        assert attempts == [], (record["name"], record["verifier"], attempts)
