"""The checks of one verification, one module per group; verification.service runs them in order and guards
each (docs/verification.md, "Check ids")."""
