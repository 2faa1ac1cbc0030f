"""Private keys at rest: PKCS#8, encrypted with KEY_ENCRYPTION_KEY (Fernet; several keys allow rotation)."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from verification.keys import PrivateKey


@lru_cache(maxsize=4)
def _fernet(key_setting: str) -> MultiFernet:
    try:
        return MultiFernet([Fernet(part.strip()) for part in key_setting.split(",") if part.strip()])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "KEY_ENCRYPTION_KEY must be one or more comma-separated Fernet keys (32 bytes, urlsafe base64)."
        ) from exc


def encrypt_private_key(key: PrivateKey) -> bytes:
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return _fernet(settings.KEY_ENCRYPTION_KEY).encrypt(der)


def decrypt_private_key(token: bytes) -> PrivateKey:
    try:
        der = _fernet(settings.KEY_ENCRYPTION_KEY).decrypt(bytes(token))
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A signing key cannot be decrypted with KEY_ENCRYPTION_KEY: the key setting changed without rotation."
        ) from exc
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ImproperlyConfigured(f"Unsupported stored key type {type(key).__name__}.")
    return key


def encrypt_text(text: str) -> bytes:
    """Any other secret at rest (webhook secrets), with the same keys as the signing keys."""
    return _fernet(settings.KEY_ENCRYPTION_KEY).encrypt(text.encode("utf-8"))


def decrypt_text(token: bytes | memoryview) -> str:  # a BinaryField's value: memoryview on PostgreSQL
    try:
        return _fernet(settings.KEY_ENCRYPTION_KEY).decrypt(bytes(token)).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with KEY_ENCRYPTION_KEY: the key setting changed without rotation."
        ) from exc


def generate_private_key(algorithm: str) -> PrivateKey:
    if algorithm == "Ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == "P-256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"Unknown key algorithm {algorithm!r}; expected Ed25519, P-256 or RSA.")
