"""Defaults that settings.py derives from other settings; plain functions, so that tests can call them."""

from __future__ import annotations

import ipaddress

from django.core.exceptions import ImproperlyConfigured

LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    return _is_ip(host) and ipaddress.ip_address(host).is_loopback


def default_from_email(site_host: str, *, debug: bool) -> str:
    """The sender of the platform's e-mails when DEFAULT_FROM_EMAIL is not set, from SITE_URL's host.

    In DEBUG, a loopback or IP host gives `badges@localhost` (mail goes to the console; `badges@127.0.0.1` is
    not an address). Outside DEBUG the sender must be an address that other mail servers accept, so it is
    derived only from a domain name; an IP address or a loopback name raises ImproperlyConfigured.
    """
    host = site_host.lower().rstrip(".")
    if _is_ip(host) or _is_loopback(host):
        if debug:
            return "badges@localhost"
        raise ImproperlyConfigured(
            f"DEFAULT_FROM_EMAIL is not set and cannot be derived from SITE_URL's host {site_host!r}, which is "
            f"{'an IP address' if _is_ip(host) else 'a loopback name'}: set DEFAULT_FROM_EMAIL to the address "
            "the platform's e-mails are sent from (e.g. badges@your-domain)."
        )
    return f"badges@{host}"
