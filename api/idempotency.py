"""`Idempotency-Key` on POSTs that create: a retry gets the original response instead of a second object.

The record of a key is inserted inside the transaction that creates, and its response is stored in that same
transaction: the object and the record commit together or not at all. A failed create (any error) stores
nothing, so a retry with the same key runs again. The unique constraint on (scope, key) is the last guard: of
two concurrent duplicates only one insert can commit. On PostgreSQL, a transaction-level advisory lock on the
key is taken first, so a duplicate arriving while the first is still running is answered at once with 409
(and Retry-After) instead of waiting for it.

- same key, same request (method, path and content) → the stored response, with `Idempotent-Replayed: true`
- same key, different request → 422 `idempotency-key-reused`
- same key while the first request is still running → 409 `idempotency-key-in-use`

Keys are per client: a token's keys are its own, a signed-in user's theirs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, connection, transaction
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.authentication import token_of
from api.models import IdempotencyRecord
from config.problems import Problem

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"


class IdempotencyKeyReused(Problem):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    slug = "idempotency-key-reused"
    title = "The idempotency key was used for another request"


class IdempotencyKeyInUse(Problem):
    status_code = status.HTTP_409_CONFLICT
    slug = "idempotency-key-in-use"
    title = "A request with this idempotency key is still in progress"


def client_scope(request: Request) -> str:
    token = token_of(request)
    return f"token:{token.pk}" if token is not None else f"user:{request.user.pk}"


def request_key(request: Request) -> str | None:
    """The request's key, checked; None without the header."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise Problem(
            f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.",
            errors={HEADER: [f"1 to {MAX_KEY_LENGTH} printable ASCII characters."]},
        )
    return key


def fingerprint(request: Request, content: bytes) -> str:
    """SHA-256 of the method, the path with its query and the request's content. `content` is the parsed
    request in a canonical form (api.serializers), not the raw body: two uploads of the same file differ in
    their multipart boundaries, and are still the same request."""
    digest = hashlib.sha256()
    method = request.method or ""  # always set on a request Django received
    for part in (method.encode(), request.get_full_path().encode(), content):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord, print_: str) -> Response:
    if record.fingerprint != print_:
        raise IdempotencyKeyReused(
            f"The {HEADER} {record.key!r} was already used for a different request; use a new key for a new request."
        )
    response = Response(json.loads(record.body), status=record.status_code)
    if record.location:
        response["Location"] = record.location
    response[REPLAYED_HEADER] = "true"
    return response


def _advisory_lock(scope: str, key: str) -> bool:
    """PostgreSQL: try the transaction-level lock of this key; False when another transaction holds it."""
    if connection.vendor != "postgresql":
        return True
    number = int.from_bytes(hashlib.sha256(f"idempotency\0{scope}\0{key}".encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [number])
        return bool(cursor.fetchone()[0])


def idempotent_create(request: Request, content: bytes, create: Callable[[], Response]) -> Response:
    """Run `create` (which returns the success response, or raises) in one transaction; with an Idempotency-Key,
    store its response in that transaction, or answer a repeated key from what is stored."""
    key = request_key(request)
    if key is None:
        with transaction.atomic():
            return create()
    scope, print_ = client_scope(request), fingerprint(request, content)
    existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if existing is not None:
        return _replay(existing, print_)
    in_use = IdempotencyKeyInUse(
        f"A request with the {HEADER} {key!r} is still in progress; retry it later to get its response.",
        headers={"Retry-After": "1"},
    )
    try:
        with transaction.atomic():
            if not _advisory_lock(scope, key):
                raise in_use
            # Inserted first: a concurrent duplicate's insert waits on this row's unique key until we commit.
            record = IdempotencyRecord.objects.create(scope=scope, key=key, fingerprint=print_, status_code=0, body="")
            response = create()
            record.status_code = response.status_code
            record.body = JSONRenderer().render(response.data).decode()
            record.location = response.get("Location", "")
            record.save(update_fields=["status_code", "body", "location"])
            return response
    except IntegrityError:
        # The duplicate committed first (databases without the advisory lock).
        existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if existing is None:
            raise
        return _replay(existing, print_)
