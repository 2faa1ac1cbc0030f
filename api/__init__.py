"""The integrator REST API under /api/v1/: tokens, authentication, errors and the issuer-scoped endpoints."""
