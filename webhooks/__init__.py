"""Issuers' webhook endpoints and the signed, retried delivery of their events."""
