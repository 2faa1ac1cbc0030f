"""Hands an award to a learner's wallet: OpenID4VCI offers, tokens, key proofs and the holder-bound copy."""
