"""Achievements and the credential lifecycle (build, sign, store, e-mail, revoke), the status lists we publish, and
their pages: the issuer's achievement and award pages, the public credential page and the verifier."""
