"""Sends a learner's credential to their Open Badges 3.0 host (docs/backpack.md)."""
