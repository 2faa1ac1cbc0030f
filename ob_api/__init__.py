"""The 1EdTech Open Badges 3.0 API under /ims/ob/v3p0/ for learners' wallets and hosts, with its OAuth 2.0
authorization server."""
