"""Tasks recorded in the same transaction as the write that needs them, handed to Celery after commit, swept when
the broker was down (docs/decisions.md D37)."""
