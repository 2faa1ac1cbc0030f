"""Issuers: their profiles, staff roles and invitations, signing keys, DID documents and audit log."""
