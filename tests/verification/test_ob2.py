"""Open Badges 2.0 assertions, hosted and signed, verified through verification.service.verify against a loopback
server publishing the 1EdTech examples and badges signed here and by jwcrypto."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.verification.ob2_badges import (
    BEFORE_EXPIRY,
    EC_KEY,
    NOBODY,
    OB2,
    OTHER_RSA_KEY,
    RSA_KEY,
    Signer,
    Site,
    baked_png,
    baked_svg,
    heart_png,
    pem,
    png_chunk,
    publish_signed_issuer,
    publish_spec_badge,
    publish_validator_badge,
    rehost,
    sign,
    sign_with_jwcrypto,
    spec_example,
    statuses,
)
from tests.verification.test_http import DRIBBLED_HEAD, DribblingServer, LocalServer, local_client
from verification.baking import extract_badge, extract_png
from verification.checks.recipient import identity_matches, recipient_check
from verification.errors import InputError, InputTooLarge
from verification.inputs import InputLimits
from verification.ob2.documents import MAX_DOCUMENTS, MAX_REDIRECTS


@pytest.fixture
def site() -> Iterator[Site]:
    with LocalServer() as server:
        yield Site(server)


# --------------------------------------------------------------------------------------------------------------
# Hosted: the 1EdTech examples


def test_spec_example_is_valid_before_it_expires_and_reports_the_badge(site: Site) -> None:
    assertion = publish_spec_badge(site)
    report = site.verify(assertion["id"], now=BEFORE_EXPIRY)
    assert report.verdict == "valid", report.to_dict()
    assert report.format == "ob2-hosted"
    found = statuses(report)
    assert found["proof"] == ("passed", "hosted_valid")
    assert found["issuer_key"] == ("passed", "in_scope")
    assert found["schema"] == ("passed", "schema_valid")
    assert found["status"] == ("passed", "not_revoked")
    assert found["recipient"] == ("skipped", "not_requested")
    summary = report.to_dict()["credential"]
    assert summary["issuer"] == {
        "id": site.url("/organization.json"),
        "name": "An Example Badge Issuer",
        "url": site.base,
    }
    assert summary["achievement"]["name"] == "Awesome Robotics Badge"
    assert summary["achievement"]["description"].startswith("For doing awesome things with robots")
    assert summary["achievement"]["criteria"] == {"id": site.url("/robotics-badge.html"), "narrative": None}
    assert summary["achievement"]["image"] == site.url("/robotics-badge.png")
    assert summary["subject"] == {"id": "email (hashed)", "name": None}
    assert (summary["validFrom"], summary["validUntil"]) == ("2016-12-31T23:59:59Z", "2017-06-30T23:59:59Z")
    assert summary["openBadgesVersion"] == "2.0"


def test_spec_example_has_expired_since(site: Site) -> None:
    assertion = publish_spec_badge(site)
    report = site.verify(assertion["id"])
    assert report.verdict == "invalid"
    assert statuses(report)["valid_until"] == ("failed", "expired")


@pytest.mark.parametrize(
    "form", ["url", "json text", "parsed dict", "baked png", "baked png url (tEXt)", "svg body", "svg verify url"]
)
def test_every_input_form_verifies_the_published_assertion(site: Site, form: str) -> None:
    assertion = publish_spec_badge(site)
    text = json.dumps(assertion)
    data: Any = {
        "url": assertion["id"],
        "json text": text,
        "parsed dict": assertion,
        "baked png": baked_png(text),
        "baked png url (tEXt)": baked_png(assertion["id"], b"tEXt"),
        "svg body": baked_svg(body=text, verify=assertion["id"]),
        "svg verify url": baked_svg(verify=assertion["id"]),
    }[form]
    report = site.verify(data, now=BEFORE_EXPIRY)
    assert report.verdict == "valid", report.to_dict()
    if form.startswith("baked png"):
        assert "PNG" in report.checks[0].message


def test_the_published_copy_is_what_counts_not_the_copy_given(site: Site) -> None:
    assertion = publish_spec_badge(site)
    doctored = {**assertion, "expires": "2099-01-01T00:00:00Z", "badge": {"id": assertion["badge"], "name": "CEO"}}
    report = site.verify(doctored, now=datetime(2018, 1, 1, tzinfo=UTC))
    assert statuses(report)["valid_until"] == ("failed", "expired")  # the published expiry, not the given one
    assert "differs from the published one" in (report.check("proof").message or "")  # type: ignore[union-attr]
    assert report.to_dict()["credential"]["achievement"]["name"] == "Awesome Robotics Badge"


# --------------------------------------------------------------------------------------------------------------
# Recipient


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (NOBODY, "passed"),
        ("Nobody@Example.ORG", "passed"),
        (" nobody@example.org ", "passed"),
        ("someone@example.org", "failed"),
    ],
)
def test_recipient_hashed_email_is_compared_case_insensitively(site: Site, typed: str, expected: str) -> None:
    assertion = publish_validator_badge(site)
    report = site.verify(assertion["id"], recipient=typed)
    check = report.check("recipient")
    assert check is not None and check.status == expected
    if expected == "passed":
        assert "SHA256-hashed" in check.message
        assert report.verdict == "valid"


def test_recipient_md5_and_plain_identities(site: Site) -> None:
    badge = publish_validator_badge(site)
    md5 = {
        **badge,
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": "s",
            "identity": "md5$" + hashlib.md5(b"nobody@example.orgs").hexdigest(),
        },
    }  # noqa: S324
    site.serve("/md5.json", {**md5, "id": site.url("/md5.json")})
    report = site.verify(site.url("/md5.json"), recipient=NOBODY)
    check = report.check("recipient")
    assert check is not None and check.status == "passed"
    assert "MD5 is accepted only because the specification allows it" in check.message
    plain = {
        **badge,
        "id": site.url("/plain.json"),
        "recipient": {"type": "email", "hashed": False, "identity": "Nobody@example.org"},
    }
    site.serve("/plain.json", plain)
    report = site.verify(site.url("/plain.json"), recipient=NOBODY)
    assert statuses(report)["recipient"] == ("passed", "match")
    assert report.to_dict()["credential"]["subject"]["id"] == "Nobody@example.org"


# --------------------------------------------------------------------------------------------------------------
# Hosted: what makes it invalid or indeterminate


def test_a_link_to_a_copy_is_verified_at_the_id_the_copy_names(site: Site) -> None:
    # given: a copy of the assertion published somewhere else (or a short link to it), still naming its id
    assertion = publish_spec_badge(site)
    site.serve("/copy.json", assertion)

    # when: the employer is handed the link to the copy
    report = site.verify(site.url("/copy.json"), now=BEFORE_EXPIRY)

    # then: the assertion is retrieved from its own id, and the report says so
    assert report.verdict == "valid", report.to_dict()
    assert statuses(report)["proof"] == ("passed", "hosted_valid")
    message = report.check("proof").message or ""  # type: ignore[union-attr]
    assert f"The link given, {site.url('/copy.json')}, led to a document naming this id" in message
    assert site.paths_requested()[:2] == ["/copy.json", "/beths-robotics-badge.json"]


def test_hosted_assertion_whose_id_differs_from_its_url_is_invalid(site: Site) -> None:
    # given: the URL an assertion names as its id serves a document that names yet another id
    assertion = publish_spec_badge(site)
    site.serve("/beths-robotics-badge.json", {**assertion, "id": site.url("/elsewhere.json")})
    site.serve("/copy.json", assertion)

    # when / then: one move is followed, never a second; the copy at the id does not speak for it
    for given in (site.url("/copy.json"), json.dumps(assertion)):
        report = site.verify(given, now=BEFORE_EXPIRY)
        assert report.verdict == "invalid"
        assert statuses(report)["proof"] == ("failed", "id_mismatch")
    assert "/elsewhere.json" not in site.paths_requested()


def test_a_hosted_assertion_behind_redirects_is_verified_at_its_id(site: Site) -> None:
    # given: the assertion moved, and its id (the old address) answers with redirects, one of them relative
    assertion = publish_spec_badge(site)
    site.server.redirect("/old/badge.json", "/older.json", status=301)
    site.server.redirect("/older.json", site.url("/beths-robotics-badge.json"), status=308)
    moved = {**assertion, "id": site.url("/old/badge.json")}
    site.serve("/beths-robotics-badge.json", moved)

    # when / then: verified, as published at its id
    report = site.verify(moved["id"], now=BEFORE_EXPIRY)
    assert report.verdict == "valid", report.to_dict()
    assert statuses(report)["proof"] == ("passed", "hosted_valid")
    assert site.paths_requested()[:3] == ["/old/badge.json", "/older.json", "/beths-robotics-badge.json"]


def test_more_redirects_than_allowed_leave_the_assertion_indeterminate(site: Site) -> None:
    assertion = publish_spec_badge(site)
    for hop in range(MAX_REDIRECTS + 1):
        site.server.redirect(f"/hop{hop}", f"/hop{hop + 1}")
    site.serve(f"/hop{MAX_REDIRECTS + 1}", {**assertion, "id": site.url("/hop0")})

    report = site.verify(site.url("/hop0"), now=BEFORE_EXPIRY)

    assert report.verdict == "indeterminate"
    assert statuses(report)["proof"] == ("indeterminate", "assertion_unavailable")
    assert f"redirected more than {MAX_REDIRECTS} times" in (report.check("proof").message or "")  # type: ignore[union-attr]


def test_410_gone_is_revoked(site: Site) -> None:
    assertion = publish_spec_badge(site)
    site.gone("/beths-robotics-badge.json")
    report = site.verify(json.dumps(assertion), now=BEFORE_EXPIRY)
    assert report.verdict == "invalid"
    assert statuses(report)["status"] == ("failed", "revoked")
    assert "410 Gone" in (report.check("status").message or "")  # type: ignore[union-attr]


def test_the_spec_revoked_hosted_assertion_is_revoked(site: Site) -> None:
    publish_spec_badge(site)
    site.publish(spec_example("", revoked=True, id="https://example.org/beths-robotics-badge.json"))
    report = site.verify(site.url("/beths-robotics-badge.json"), now=BEFORE_EXPIRY)
    assert report.verdict == "invalid"
    status = report.check("status")
    assert status is not None and (status.status, status.code) == ("failed", "revoked")
    assert "three stacked children in a trenchcoat" in status.message


def test_issued_in_the_future_is_invalid(site: Site) -> None:
    assertion = publish_spec_badge(site)
    report = site.verify(assertion["id"], now=datetime(2016, 6, 1, tzinfo=UTC))
    assert statuses(report)["valid_from"] == ("failed", "not_yet_valid")
    assert report.verdict == "invalid"


def test_badge_class_on_another_origin_is_out_of_the_default_scope(site: Site) -> None:
    with LocalServer() as other_server:
        other = Site(other_server)
        badge = rehost(spec_example("BadgeClass"), other.base)
        badge["issuer"] = site.url("/organization.json")
        other.serve("/robotics-badge.json", badge)
        site.publish(spec_example("Issuer"))
        assertion = rehost(spec_example("Assertion"), site.base)
        assertion["badge"] = badge["id"]
        site.serve("/beths-robotics-badge.json", assertion)
        report = site.verify(assertion["id"], now=BEFORE_EXPIRY)
    assert report.verdict == "invalid"
    check = report.check("issuer_key")
    assert check is not None and (check.status, check.code) == ("failed", "out_of_scope")
    assert "BadgeClass" in check.message


def test_assertion_published_on_another_origin_cannot_claim_the_issuer(site: Site) -> None:
    # An attacker hosts an assertion (its id its own URL) naming the real issuer's BadgeClass.
    publish_spec_badge(site)
    with LocalServer() as attacker_server:
        attacker = Site(attacker_server)
        forged = rehost(spec_example("Assertion"), site.base)
        forged["id"] = attacker.url("/forged.json")
        attacker.serve("/forged.json", forged)
        report = site.verify(forged["id"], now=BEFORE_EXPIRY)
    assert report.verdict == "invalid"
    check = report.check("issuer_key")
    assert check is not None and (check.status, check.code) == ("failed", "out_of_scope")
    assert f"the assertion {forged['id']}" in check.message


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ({"allowedOrigins": "127.0.0.1"}, ("passed", "in_scope")),
        ({"allowedOrigins": ["badges.example", "127.0.0.1"]}, ("passed", "in_scope")),
        ({"allowedOrigins": "badges.example"}, ("failed", "out_of_scope")),
        ({"startsWith": "PLACEHOLDER/beths-"}, ("passed", "in_scope")),
        ({"startsWith": "PLACEHOLDER/assertions/"}, ("failed", "out_of_scope")),
        ("https://example.org/policy.json", ("indeterminate", "unsupported_policy")),
    ],
)
def test_issuer_verification_policy(site: Site, policy: Any, expected: tuple[str, str]) -> None:
    site.publish(spec_example("BadgeClass"))
    issuer = spec_example("Issuer")
    issuer["verification"] = json.loads(json.dumps(policy).replace("PLACEHOLDER", site.base))
    site.publish(issuer)
    assertion = site.publish(spec_example("Assertion"))
    report = site.verify(assertion["id"], now=BEFORE_EXPIRY)
    assert statuses(report)["issuer_key"] == expected


def test_a_badge_class_that_points_back_at_the_assertion_is_invalid_after_one_fetch(site: Site) -> None:
    assertion = rehost(spec_example("Assertion"), site.base)
    assertion["badge"] = assertion["id"]  # the "BadgeClass" is the assertion itself
    site.serve("/beths-robotics-badge.json", assertion)
    report = site.verify(assertion["id"], now=BEFORE_EXPIRY)
    assert report.verdict == "invalid"
    check = report.check("schema")
    assert check is not None and check.status == "failed" and "is not a BadgeClass" in check.message
    assert site.paths_requested() == ["/beths-robotics-badge.json"]  # fetched once, never again


def test_documents_that_name_each_other_end_in_a_finding(site: Site) -> None:
    badge = rehost(spec_example("BadgeClass"), site.base)
    badge["issuer"] = badge["id"]  # the issuer profile is the BadgeClass: a loop
    site.serve("/robotics-badge.json", badge)
    assertion = site.publish(spec_example("Assertion"))
    report = site.verify(assertion["id"], now=BEFORE_EXPIRY)
    assert report.verdict == "invalid"
    assert "is not a issuer profile" in (report.check("schema").message or "")  # type: ignore[union-attr]
    assert len(site.paths_requested()) == 2 <= MAX_DOCUMENTS


def test_unreachable_assertion_is_indeterminate_never_valid(site: Site) -> None:
    assertion = rehost(spec_example("Assertion"), site.base)  # given, but not published (404)
    report = site.verify(assertion, now=BEFORE_EXPIRY)
    assert report.verdict == "indeterminate"
    assert statuses(report)["proof"] == ("indeterminate", "assertion_unavailable")
    assert all(status in ("passed", "skipped", "indeterminate") for status, _ in statuses(report).values())


def test_unreachable_badge_class_is_indeterminate(site: Site) -> None:
    site.publish(spec_example("Issuer"))
    assertion = site.publish(spec_example("Assertion"))
    report = site.verify(assertion["id"], now=BEFORE_EXPIRY)
    assert report.verdict == "indeterminate"
    assert statuses(report)["schema"] == ("indeterminate", "document_unavailable")
    assert statuses(report)["issuer_key"][0] == "indeterminate"


def test_a_server_dribbling_one_byte_at_a_time_is_cut_off_and_indeterminate() -> None:
    with DribblingServer(DRIBBLED_HEAD, delay=1.0) as server:
        url = server.url()
        report = Site.__new__(Site).verify(url, fetcher=local_client(timeout=5.0), outbound_budget=0.5)
    assert report.verdict == "indeterminate"
    proof = report.check("proof")
    assert proof is not None and proof.code == "assertion_unavailable"
    assert "0.5 s" in proof.message
    assert server.sent < len(DRIBBLED_HEAD)


def test_huge_documents_are_refused_by_the_limits(site: Site) -> None:
    assertion = publish_spec_badge(site)
    with pytest.raises(InputTooLarge):
        site.verify(
            json.dumps({**assertion, "narrative": "x" * 300_000}), limits=InputLimits(max_credential_bytes=256 * 1024)
        )
    with pytest.raises(InputError, match="nested more than"):
        site.verify(json.dumps({**assertion, "evidence": [[[[["x"]]]]]}), limits=InputLimits(max_depth=4))
    site.serve("/huge.json", {**assertion, "id": site.url("/huge.json"), "evidence": ["e"] * 20_000})
    report = site.verify(site.url("/huge.json"), now=BEFORE_EXPIRY)
    proof = report.check("proof")
    assert report.verdict == "indeterminate"
    assert proof is not None and "20,000 items" in proof.message


def test_signed_assertion_given_as_plain_json_is_invalid(site: Site) -> None:
    payload = publish_signed_issuer(site)
    report = site.verify(payload)
    assert report.verdict == "invalid"
    assert statuses(report)["proof"] == ("failed", "no_proof")


def test_ob1_assertion_without_context_is_not_judged_valid(site: Site) -> None:
    report = site.verify(
        {
            "uid": "1",
            "recipient": "a@example.org",
            "badge": "https://example.org/b",
            "verify": {"type": "hosted", "url": site.url("/a")},
        }
    )
    assert report.verdict != "valid"


# --------------------------------------------------------------------------------------------------------------
# Signed


@pytest.mark.parametrize("signer", [sign, sign_with_jwcrypto], ids=["our code", "jwcrypto"])
@pytest.mark.parametrize(("alg", "key"), [("RS256", RSA_KEY), ("ES256", EC_KEY)], ids=["RS256", "ES256"])
def test_signed_assertion_is_valid(site: Site, signer: Signer, alg: str, key: Any) -> None:
    token = signer(publish_signed_issuer(site, key=key), key, alg)
    report = site.verify(token, recipient=NOBODY)
    assert report.verdict == "valid", report.to_dict()
    assert report.format == "ob2-signed"
    found = statuses(report)
    assert found["proof"] == ("passed", "proof_valid")
    assert found["issuer_key"] == ("passed", "key_bound")
    assert found["status"] == ("passed", "not_revoked")
    assert found["recipient"] == ("passed", "match")
    assert report.to_dict()["credential"]["achievement"]["name"] == "Signed Robotics Badge"
    assert report.to_dict()["credential"]["issuer"]["name"] == "Signing Issuer"


def test_signed_and_baked_in_png_and_svg(site: Site) -> None:
    token = sign(publish_signed_issuer(site), RSA_KEY, "RS256")
    assert site.verify(baked_png(token)).verdict == "valid"
    assert site.verify(baked_svg(verify=token)).verdict == "valid"


def test_tampered_jws_is_invalid(site: Site) -> None:
    token = sign(publish_signed_issuer(site), RSA_KEY, "RS256")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["issuedOn"] = "2020-01-01T00:00:00Z"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    report = site.verify(f"{header}.{forged}.{signature}")
    assert report.verdict == "invalid"
    assert statuses(report)["proof"] == ("failed", "proof_invalid")
    assert statuses(report)["issuer_key"] == ("skipped", "not_attributed")


def test_key_owned_by_another_issuer_is_invalid(site: Site) -> None:
    payload = publish_signed_issuer(site, owner="https://other-issuer.example/profile.json")
    report = site.verify(sign(payload, RSA_KEY, "RS256"))
    assert report.verdict == "invalid"
    check = report.check("issuer_key")
    assert check is not None and (check.status, check.code) == ("failed", "key_not_bound")
    assert "other-issuer.example" in check.message


def test_key_the_issuer_does_not_list_is_invalid(site: Site) -> None:
    payload = publish_signed_issuer(site, listed=False)
    report = site.verify(sign(payload, RSA_KEY, "RS256"))
    assert report.verdict == "invalid"
    assert statuses(report)["issuer_key"] == ("failed", "key_not_bound")


def test_signature_by_another_key_than_the_published_one_is_invalid(site: Site) -> None:
    payload = publish_signed_issuer(site)
    report = site.verify(sign(payload, OTHER_RSA_KEY, "RS256"))
    assert report.verdict == "invalid"
    assert statuses(report)["proof"] == ("failed", "proof_invalid")


def test_alg_that_does_not_fit_the_key_is_refused(site: Site) -> None:
    payload = publish_signed_issuer(site, key=RSA_KEY)
    report = site.verify(sign(payload, EC_KEY, "ES256"))  # the published key is RSA
    assert report.verdict == "invalid"
    assert statuses(report)["proof"] == ("failed", "key_type_mismatch")


@pytest.mark.parametrize("alg", ["none", "HS256", "RS512"])
def test_other_algorithms_are_refused(site: Site, alg: str) -> None:
    token = sign(publish_signed_issuer(site), RSA_KEY, "RS256")
    header = base64.urlsafe_b64encode(json.dumps({"alg": alg}).encode()).rstrip(b"=").decode()
    report = site.verify(header + token[token.index(".") :])
    assert report.verdict == "invalid"
    assert statuses(report)["proof"] == ("failed", "proof_invalid")


def test_an_embedded_issuer_cannot_bring_its_own_key(site: Site) -> None:
    # The attacker embeds an issuer profile listing the attacker's key; the hosted profile is what counts.
    payload = publish_signed_issuer(site, listed=False)
    site.serve(
        "/keys/1.json",
        {"id": site.url("/keys/1.json"), "owner": site.url("/issuer.json"), "publicKeyPem": pem(OTHER_RSA_KEY)},
    )
    badge = {
        "type": "BadgeClass",
        "id": site.url("/badge.json"),
        "issuer": {"id": site.url("/issuer.json"), "publicKey": site.url("/keys/1.json")},
    }
    report = site.verify(sign({**payload, "badge": badge}, OTHER_RSA_KEY, "RS256"))
    assert report.verdict == "invalid"
    assert statuses(report)["issuer_key"] == ("failed", "key_not_bound")


def test_without_creator_the_issuer_listed_key_is_used(site: Site) -> None:
    payload = publish_signed_issuer(site, key=EC_KEY)
    payload["verification"] = {"type": "signed"}
    assert site.verify(sign(payload, EC_KEY, "ES256")).verdict == "valid"


@pytest.mark.parametrize(
    "entry",
    [
        "urn:uuid:a953081a-4bbd-4927-9653-7219bca00e3b",
        {"id": "urn:uuid:a953081a-4bbd-4927-9653-7219bca00e3b", "revocationReason": "Honor code violation"},
        {"uid": "abc123", "revocationReason": "Issued in error."},
    ],
    ids=["by id", "by id with reason", "by uid"],
)
def test_revocation_list_revokes(site: Site, entry: Any) -> None:
    payload = publish_signed_issuer(site, revoked=[entry])
    payload["uid"] = "abc123"
    report = site.verify(sign(payload, RSA_KEY, "RS256"))
    assert report.verdict == "invalid"
    status = report.check("status")
    assert status is not None and (status.status, status.code) == ("failed", "revoked")
    if isinstance(entry, dict):
        assert entry["revocationReason"] in status.message


def test_the_spec_revocation_list_shape(site: Site) -> None:
    revocations = spec_example("RevocationList")
    payload = publish_signed_issuer(site)
    revocations["issuer"] = site.url("/issuer.json")
    site.serve("/revocations.json", revocations)
    payload["id"] = "urn:uuid:e79a6c18-787e-4868-8e65-e6a4530fb418"
    report = site.verify(sign(payload, RSA_KEY, "RS256"))
    assert statuses(report)["status"] == ("failed", "revoked")
    payload["id"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
    assert site.verify(sign(payload, RSA_KEY, "RS256")).verdict == "valid"


def test_unreachable_revocation_list_or_key_is_indeterminate(site: Site) -> None:
    payload = publish_signed_issuer(site)
    site.server.httpd.routes.pop("/revocations.json")
    report = site.verify(sign(payload, RSA_KEY, "RS256"))
    assert report.verdict == "indeterminate"
    assert statuses(report)["status"] == ("indeterminate", "status_unavailable")
    site.server.httpd.routes.pop("/keys/1.json")
    report = site.verify(sign(payload, RSA_KEY, "RS256"))
    assert report.verdict == "indeterminate"
    assert statuses(report)["proof"] == ("indeterminate", "key_unavailable")


def test_revocation_list_of_another_issuer_is_not_trusted(site: Site) -> None:
    payload = publish_signed_issuer(site)
    site.serve(
        "/revocations.json",
        {"id": site.url("/revocations.json"), "issuer": "https://other.example/", "revokedAssertions": []},
    )
    report = site.verify(sign(payload, RSA_KEY, "RS256"))
    assert report.verdict == "indeterminate"
    assert statuses(report)["status"] == ("indeterminate", "status_list_invalid")


def test_the_spec_signed_example_is_never_valid() -> None:
    # "This example is not a valid JWS, as the referenced key on example.org does not exist": nothing is
    # reachable here, so it is indeterminate; it must never come out valid.
    text = (OB2 / "examples-index.md").read_text(encoding="utf-8")
    start = text.index("eyJhbGciOiJSUzI1NiJ9")
    token = "".join(text[start : text.index("{% endhighlight %}", start)].split())
    with LocalServer() as server:
        report = Site(server).verify(token, fetcher=None)
    assert report.format == "ob2-signed"
    assert report.verdict == "indeterminate"


# --------------------------------------------------------------------------------------------------------------
# Baked images and the shared recipient rule


def test_ob2_png_chunks_of_every_kind_are_read() -> None:
    url = "https://example.org/assertions/1"
    for chunk_type in (b"iTXt", b"tEXt"):
        baked = extract_badge(baked_png(url, chunk_type))
        assert (baked.text, baked.version) == (url, "2.0")
    png = heart_png()
    ztxt = png_chunk(b"zTXt", b"openbadges\x00\x00" + zlib.compress(url.encode()))
    assert extract_badge(png[:33] + ztxt + png[33:]).text == url
    with pytest.raises(InputError, match="Open Badges 2.0"):
        extract_png(baked_png(url))  # the 3.0 extractor (the platform's baking) still refuses 2.0


def test_ob2_svg_body_wins_over_verify_and_an_empty_element_is_refused() -> None:
    assert extract_badge(baked_svg(body='{"a": 1}', verify="https://x.example/a")).text == '{"a": 1}'
    assert extract_badge(baked_svg(verify="https://x.example/a")).text == "https://x.example/a"
    with pytest.raises(InputError, match="openbadges:assertion"):
        extract_badge(baked_svg())


def test_ob3_identifier_follows_the_same_salted_rule() -> None:
    digest = hashlib.sha256(b"ada@example.orgpepper").hexdigest()
    identity = {"identityHash": f"sha256${digest.upper()}", "salt": "pepper", "identityType": "emailAddress"}
    assert identity_matches(identity, "Ada@Example.org")
    assert not identity_matches({**identity, "identityType": "studentId"}, "Ada@Example.org")
    md5 = {"identityHash": "md5$" + hashlib.md5(b"ada@example.org").hexdigest(), "identityType": "emailAddress"}  # noqa: S324
    check = recipient_check({"credentialSubject": {"identifier": [md5]}}, "ada@example.org")
    assert check.status == "passed" and "MD5 is accepted only because" in check.message
