"""The trust layer, a library without models: JSON-LD contexts, RDFC-1.0, proofs, keys, DIDs, status and schema
checks, baking, and the verify service."""
