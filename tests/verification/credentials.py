"""Realistic credentials shared by the verification tests and bench/crypto.py."""

from __future__ import annotations

import copy
from typing import Any

ISSUER_ID = "https://badges.example.edu/issuers/7f3c9a"
CREDENTIAL_ID = "urn:uuid:3f2b8c1e-6d0a-4c7b-9e15-2a4d8f6b1c90"

_OPEN_BADGE: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ],
    "id": CREDENTIAL_ID,
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Data Stewardship Practitioner",
    "description": "Awarded for completing the data stewardship practicum with distinction.",
    "issuer": {
        "id": ISSUER_ID,
        "type": ["Profile"],
        "name": "Example University Continuing Education",
        "url": "https://badges.example.edu",
        "email": "badges@example.edu",
    },
    "validFrom": "2025-03-01T09:30:00Z",
    "validUntil": "2030-03-01T09:30:00Z",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399",
                "identityType": "emailAddress",
                "hashed": True,
                "salt": "Kosher",
            }
        ],
        "achievement": {
            "id": "https://badges.example.edu/achievements/data-stewardship",
            "type": ["Achievement"],
            "achievementType": "Certificate",
            "name": "Data Stewardship Practitioner",
            "description": "Demonstrates the ability to curate, document and preserve research data.",
            "criteria": {
                "id": "https://badges.example.edu/achievements/data-stewardship/criteria",
                "narrative": "Complete four modules and a supervised practicum; score at least 80%.",
            },
            "alignment": [
                {
                    "type": ["Alignment"],
                    "targetName": "Data management",
                    "targetUrl": "https://esco.example.org/skill/data-management",
                    "targetFramework": "ESCO",
                    "targetCode": "S5.6.1",
                },
                {
                    "type": ["Alignment"],
                    "targetName": "Research data curation",
                    "targetUrl": "https://esco.example.org/skill/research-data-curation",
                    "targetFramework": "ESCO",
                },
            ],
            "resultDescription": [
                {
                    "id": "urn:uuid:9a1f6e2c-3b7d-4e58-8c0f-5d2e7a4b6c13",
                    "type": ["ResultDescription"],
                    "name": "Final score",
                    "resultType": "Percent",
                    "valueMin": "0",
                    "valueMax": "100",
                    "requiredValue": "80",
                }
            ],
            "tag": ["data", "research", "stewardship"],
        },
        "result": [
            {
                "type": ["Result"],
                "resultDescription": "urn:uuid:9a1f6e2c-3b7d-4e58-8c0f-5d2e7a4b6c13",
                "value": "92",
            }
        ],
    },
    "evidence": [
        {
            "id": "https://badges.example.edu/evidence/4411",
            "type": ["Evidence"],
            "name": "Practicum report",
            "narrative": "Curated a 40 GB survey dataset and wrote its data management plan.",
            "genre": "Report",
        }
    ],
    "credentialSchema": [
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ],
    "credentialStatus": {
        "id": "https://badges.example.edu/status/3#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://badges.example.edu/status/3",
    },
}


def open_badge_credential() -> dict[str, Any]:
    """A fresh copy of a realistic, unsigned OpenBadgeCredential (about 2.5 KB of JSON)."""
    return copy.deepcopy(_OPEN_BADGE)
