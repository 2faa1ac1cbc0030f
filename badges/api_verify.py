"""POST /api/v1/verify: the public verifier for programs. The body is the credential (JSON, a compact JWS, or a
multipart upload of a file or baked image); the answer is `Report.to_dict()` (docs/verification.md) plus the
`headline`, `reason` and `facts` a person reads first on the verify page (badges.verify_headline, D43), in the
request's language (Accept-Language; D53) while the checks' messages stay the verifier's English:
200 with `verdict` valid, invalid or indeterminate for every credential that could be judged; 400 for input
that is no credential; 503 with Retry-After when the platform itself cannot answer (never "invalid").

Open to anyone (no account, no cookies, so no CSRF), rate-limited per client address. Errors are the platform's
one problem+json shape (config.problems): `{"type", "title", "detail", "status"}` with a stable `type` URI.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import QueryDict
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from badges.selectors import credential_lineage
from badges.verify import note_verification, verify_credential
from badges.verify_headline import facts, headline, reason
from config.problems import PayloadTooLarge, Problem
from config.ratelimit import RateThrottle
from verification.errors import InputTooLarge, PlatformUnavailable, VerificationError
from verification.inputs import baked_image_kind, describe_size

# A multipart request carries the file plus boundaries and the part's headers.
MULTIPART_OVERHEAD = 64 * 1024
RETRY_AFTER_SECONDS = 30


def body_too_large() -> PayloadTooLarge:
    limit = describe_size(settings.VERIFY_MAX_BODY_BYTES)
    return PayloadTooLarge(f"The credential is larger than {limit}; a credential never is.")


def image_too_large() -> PayloadTooLarge:
    limit = describe_size(settings.VERIFY_MAX_IMAGE_BYTES)
    return PayloadTooLarge(f"The file is larger than {limit}; a baked badge image never is.")


class VerifyCheckSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=["passed", "failed", "indeterminate", "warning", "skipped"])
    code = serializers.CharField(allow_null=True, help_text="The reason, from the documented vocabulary; stable.")
    message = serializers.CharField(help_text="The verifier's own words, in English whatever the request's language.")


class VerifyLinkedTextSerializer(serializers.Serializer):
    name = serializers.CharField(allow_null=True)
    url = serializers.URLField(allow_null=True, help_text="http(s) only; any other scheme is left out.")


class VerifyAlignmentSerializer(VerifyLinkedTextSerializer):
    framework = serializers.CharField(allow_null=True)
    code = serializers.CharField(allow_null=True)


class VerifyCriteriaSerializer(serializers.Serializer):
    url = serializers.URLField(allow_null=True)
    narrative = serializers.CharField(allow_null=True)


class VerifyBadgeFactsSerializer(serializers.Serializer):
    name = serializers.CharField(allow_null=True)
    description = serializers.CharField(allow_null=True)
    criteria = VerifyCriteriaSerializer()
    imageUrl = serializers.URLField(
        allow_null=True, help_text="The image's http(s) URL; an embedded image is not repeated."
    )
    alignments = VerifyAlignmentSerializer(many=True)
    tags = serializers.ListField(child=serializers.CharField())


class VerifyIssuerFactsSerializer(serializers.Serializer):
    name = serializers.CharField(allow_null=True)
    id = serializers.CharField(allow_null=True)
    url = serializers.URLField(allow_null=True)
    identityConfirmation = serializers.CharField(
        help_text="How the issuer's identity was confirmed, in words, in the request's language."
    )


class VerifyRecipientFactsSerializer(serializers.Serializer):
    name = serializers.CharField(allow_null=True)
    identity = serializers.CharField(allow_null=True, help_text="A plaintext identity; null when it is hashed.")
    hashed = serializers.BooleanField()
    confirmedEmail = serializers.CharField(allow_null=True, help_text="The `recipient` given, when it matched.")
    confirmed = serializers.BooleanField(allow_null=True, help_text="Null when no `recipient` was given.")


class VerifyEvidenceFactsSerializer(VerifyLinkedTextSerializer):
    description = serializers.CharField(allow_null=True)
    narrative = serializers.CharField(allow_null=True)


class VerifyEndorsementFactsSerializer(serializers.Serializer):
    issuer = serializers.CharField(allow_null=True)
    comment = serializers.CharField(allow_null=True)
    verdict = serializers.ChoiceField(choices=["valid", "invalid", "indeterminate"])


class VerifyFactsSerializer(serializers.Serializer):
    badge = VerifyBadgeFactsSerializer()
    issuer = VerifyIssuerFactsSerializer()
    recipient = VerifyRecipientFactsSerializer()
    issued = serializers.CharField(
        allow_null=True,
        help_text="In words, in the request's language (3 March 2026; 3. März 2026), or as given if not a date.",
    )
    expires = serializers.CharField(allow_null=True, help_text="In words, like `issued`; null when it does not expire.")
    evidence = VerifyEvidenceFactsSerializer(many=True)
    endorsements = VerifyEndorsementFactsSerializer(many=True)


class VerifyReplacementSerializer(serializers.Serializer):
    id = serializers.URLField(help_text="The other credential's id.")
    kind = serializers.ChoiceField(choices=["renewal", "correction"])
    reason = serializers.CharField(
        required=False, help_text="In replacedBy, when this credential is revoked: the issuer's reason, as recorded."
    )


class VerifyReportSerializer(serializers.Serializer):
    """The 200 answer, for the OpenAPI schema only (the view returns the report's own dictionary)."""

    valid = serializers.BooleanField()
    verdict = serializers.ChoiceField(choices=["valid", "invalid", "indeterminate"])
    format = serializers.CharField(help_text="ldp, jwt, ob2-hosted or ob2-signed.")
    checks = VerifyCheckSerializer(many=True)
    credential = serializers.DictField(help_text="What the credential claims: issuer, achievement, subject, dates.")
    headline = serializers.CharField(
        help_text="One plain sentence: who earned what from whom, and whether it holds. In the request's language: "
        "English by default, German for `Accept-Language: de` (the answer's `Content-Language` names it); the "
        "checks' `message` stays English and `id` and `code` never change."
    )
    reason = serializers.CharField(
        help_text="The sentence under the headline, in the request's language: what the failed check found, what "
        "could not be checked, or how many warnings a valid credential carries."
    )
    facts = VerifyFactsSerializer()
    replaces = VerifyReplacementSerializer(
        allow_null=True, help_text="For a credential of this platform: the one it renews or corrects; else null."
    )
    replacedBy = VerifyReplacementSerializer(
        allow_null=True,
        help_text="For a credential of this platform: the one that renewed it, or corrected it (this one is then "
        "revoked, its status reason `Superseded by <id>`); else null.",
    )


class InvalidInput(Problem):
    """400: what was sent is no credential at all (not JSON, JWS or a baked image; damaged; empty)."""

    slug = "invalid-input"
    title = "The input is not a usable credential"


class VerifierUnavailable(Problem):
    """503: the platform cannot read its own records; nothing was decided about the credential."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    slug = "unavailable"
    title = "The service cannot answer right now"

    def __init__(self) -> None:
        super().__init__(
            "This platform cannot check credentials right now; nothing was decided about the credential. Try again.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


class VerifyRateThrottle(RateThrottle):
    """Per client address (config.client_address), signed in or not (the API uses no authentication); the page
    shares the budget. The rate lives here so that no setting is needed."""

    scope = "verify"
    rate = "60/minute"


class RawCredentialParser(BaseParser):
    """The body as bytes, at most VERIFY_MAX_BODY_BYTES (read no further), for the verifier's own content
    detection."""

    media_type = "*/*"  # replaced per subclass

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> dict[str, Any]:
        limit = settings.VERIFY_MAX_BODY_BYTES
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise body_too_large()
        return {"body": body, "content_type": self.media_type}


class JsonCredentialParser(RawCredentialParser):
    media_type = "application/json"


class LdJsonCredentialParser(RawCredentialParser):
    media_type = "application/ld+json"


class VcLdJsonCredentialParser(RawCredentialParser):
    media_type = "application/vc+ld+json"


class JwtCredentialParser(RawCredentialParser):
    media_type = "application/jwt"


class TextCredentialParser(RawCredentialParser):
    media_type = "text/plain"


class VerifyApi(APIView):
    """Verify one credential; 200 with the report whether or not it is valid, 4xx when it cannot be checked."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [VerifyRateThrottle]
    parser_classes = [
        JsonCredentialParser,
        LdJsonCredentialParser,
        VcLdJsonCredentialParser,
        JwtCredentialParser,
        TextCredentialParser,
        MultiPartParser,
    ]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Refused before the body is read: a multipart upload may be a baked image (VERIFY_MAX_IMAGE_BYTES),
        # anything else is the credential itself (VERIFY_MAX_BODY_BYTES).
        declared = request.META.get("CONTENT_LENGTH") or "0"
        multipart = (request.content_type or "").lower().startswith("multipart/")
        limit = settings.VERIFY_MAX_IMAGE_BYTES + MULTIPART_OVERHEAD if multipart else settings.VERIFY_MAX_BODY_BYTES
        if declared.isdigit() and int(declared) > limit:
            raise image_too_large() if multipart else body_too_large()

    def post(self, request: Request) -> Response:
        data = request.data
        if not isinstance(data, QueryDict) and "body" in data:
            body, filename, content_type = data["body"], None, data["content_type"]
        elif not isinstance(data, QueryDict):
            raise InvalidInput("The request body is empty; send the credential as the body.")
        else:
            upload = request.FILES.get("file")
            if upload is None:
                raise InvalidInput("A multipart request needs the credential in a field named 'file'.")
            if upload.size > settings.VERIFY_MAX_IMAGE_BYTES:
                raise image_too_large()
            body, filename, content_type = (
                upload.read(settings.VERIFY_MAX_IMAGE_BYTES + 1),
                upload.name,
                upload.content_type,
            )
            # Only a baked image may be larger than a credential; the credential in it is held to the body limit.
            if len(body) > settings.VERIFY_MAX_BODY_BYTES and baked_image_kind(body) is None:
                raise body_too_large()
        recipient = request.query_params.get("recipient") or None
        try:
            report = verify_credential(
                body,
                recipient=recipient,
                filename=filename,
                content_type=content_type,
                max_credential_bytes=settings.VERIFY_MAX_BODY_BYTES,
            )
        except InputTooLarge as exc:
            raise PayloadTooLarge(exc.message) from exc
        except VerificationError as exc:
            raise InvalidInput(exc.message) from exc
        except PlatformUnavailable as exc:
            raise VerifierUnavailable() from exc
        note_verification(report)
        # Only additions to the report's keys: programs written against `Report.to_dict()` read it unchanged.
        body = report.to_dict()
        body["headline"] = headline(report, recipient=recipient or "")
        body["reason"] = reason(report)
        body["facts"] = facts(report, recipient=recipient or "")
        # For a credential of this platform: the one it renews or corrects and the one that replaced it (D64).
        credential_id = report.credential.get("id") if isinstance(report.credential, dict) else None
        body.update(credential_lineage(credential_id))
        return Response(body)
