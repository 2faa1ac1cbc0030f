"""Credentials from a foreign issuer (a did:key this platform knows nothing about), signed in the test."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from verification.jwt import encode_vc_jwt
from verification.keys import did_key_from_ed25519
from verification.suites import DataIntegritySigner


class ForeignIssuer:
    def __init__(self) -> None:
        self.key = ed25519.Ed25519PrivateKey.generate()
        self.did = did_key_from_ed25519(self.key.public_key())
        self.signer = DataIntegritySigner(self.key, f"{self.did}#{self.did.removeprefix('did:key:')}")

    def credential(
        self,
        *,
        name: str = "Open Source Contributor",
        valid_from: datetime | None = None,
        credential_id: str | None = None,
    ) -> dict[str, Any]:
        return self.signer.sign(self.unsigned(name=name, valid_from=valid_from, credential_id=credential_id))

    def vc_jwt(self, **kwargs: Any) -> str:
        """The same credential as a VC-JWT (compact JWS) signed with the did:key."""
        return encode_vc_jwt(self.unsigned(**kwargs), self.key, kid=f"{self.did}#{self.did.removeprefix('did:key:')}")

    def unsigned(
        self,
        *,
        name: str = "Open Source Contributor",
        valid_from: datetime | None = None,
        credential_id: str | None = None,
    ) -> dict[str, Any]:
        valid_from = valid_from or datetime.now(UTC) - timedelta(days=1)
        document = {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ],
            "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": name,
            "issuer": {"id": self.did, "type": ["Profile"], "name": "Foreign Guild"},
            "validFrom": valid_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "id": "did:example:learner-lea",
                "achievement": {
                    "id": "https://guild.example.org/achievements/contributor",
                    "type": ["Achievement"],
                    "name": name,
                    "description": "Merged ten pull requests.",
                    "criteria": {"narrative": "Ten merged pull requests."},
                },
            },
        }
        return document
