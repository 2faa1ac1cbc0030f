"""Offers of awards to learners' wallets, the short-lived secrets of the flow, and the record of each take-up.

Every secret a wallet presents (pre-authorized code, access token, c_nonce) is stored as its SHA-256 only, so a
copy of the database can spend none of them; the transaction code, six digits a copy could try exhaustively, is
stored as a keyed hash instead (`tx_code_hash`, keyed with SECRET_KEY and the offer).
"""

from __future__ import annotations

import hashlib
import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from badges.models import Credential
from issuer.models import Issuer


class Protocol(models.TextChoices):
    """How the award reached the wallet. Only OpenID4VCI for now; a VC-API exchange is the next one."""

    OID4VCI = "oid4vci", "OpenID4VCI"


class Format(models.TextChoices):
    """The credential formats of OpenID4VCI 1.0 §A.1 the platform issues in."""

    LDP_VC = "ldp_vc", "Data Integrity (ldp_vc)"
    JWT_VC_JSON = "jwt_vc_json", "VC-JWT (jwt_vc_json)"


class Binding(models.TextChoices):
    """What the holder's key was named by in the key proof: a DID URL of either method, or a bare JWK."""

    DID_KEY = "did:key", "did:key"
    DID_JWK = "did:jwk", "did:jwk"
    JWK = "jwk", "JWK"


def secret_hash(secret: str) -> str:
    """SHA-256 of a random secret, as stored: enough for 256-bit values nobody can guess."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class WalletOffer(models.Model):
    """One offer of one award to the learner's wallet: a Credential Offer with a pre-authorized code (OpenID4VCI 1.0
    §4.1), made when the learner asks for it on their page.

    The code works once (`used_at`) and only until `expires_at`. When a transaction code is required, it is made
    and e-mailed by a task after the offer commits, so it reaches the learner by a second channel and its clear text
    is never stored: until that task ran, `tx_code_hash` is empty and no code matches. `holder_did` and
    `issued_format` say what the last credential handed out under this offer was bound to and issued as.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="+")
    protocol = models.CharField(max_length=20, choices=Protocol.choices, default=Protocol.OID4VCI)
    code_hash = models.CharField(max_length=64, unique=True)
    tx_code_required = models.BooleanField(default=False)
    tx_code_hash = models.CharField(max_length=64, blank=True)
    tx_code_failures = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True, help_text="When the code was exchanged for a token.")
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_format = models.CharField(max_length=20, choices=Format.choices, blank=True)
    holder_did = models.TextField(blank=True, help_text="The DID the last credential handed out was bound to.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="wallet_offer_expiry_after_creation"
            )
        ]
        indexes = [models.Index(fields=["expires_at"], name="wallet_offer_expires")]

    def __str__(self) -> str:
        return f"wallet offer {self.uuid}"

    def tx_code_digest(self, tx_code: str) -> str:
        """The keyed hash of a transaction code for this offer: without SECRET_KEY a database copy cannot try the
        million codes against it, and the same code of two offers hashes differently."""
        return salted_hmac("wallets.tx_code", f"{self.uuid}:{tx_code}", algorithm="sha256").hexdigest()


class WalletAccessToken(models.Model):
    """An access token of the token endpoint: opaque, short-lived, good for the credentials of one offer."""

    offer = models.ForeignKey(WalletOffer, on_delete=models.CASCADE, related_name="access_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="wallet_token_expires")]

    def __str__(self) -> str:
        return f"access token for {self.offer}"


class WalletNonce(models.Model):
    """A c_nonce of the nonce endpoint (OpenID4VCI 1.0 §7): a key proof must carry one, and each works once."""

    nonce_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="wallet_nonce_expires")]

    def __str__(self) -> str:
        return f"c_nonce {self.nonce_hash[:8]}…"


class WalletTakeUp(models.Model):
    """One credential handed to a wallet: the count behind the issuer's statistics. It names the award and how it
    was taken (protocol, format, kind of key), nothing about the holder the award does not already hold."""

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="+")
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="+")
    offer = models.ForeignKey(WalletOffer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    protocol = models.CharField(max_length=20, choices=Protocol.choices)
    format = models.CharField(max_length=20, choices=Format.choices)
    binding = models.CharField(max_length=10, choices=Binding.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["issuer", "created_at"], name="wallet_takeup_issuer")]

    def __str__(self) -> str:
        return f"{self.credential_id} taken up as {self.format}"
