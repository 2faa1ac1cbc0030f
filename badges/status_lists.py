"""The issuer's Bitstring Status Lists: slot allocation, bit flips and the signed list credential."""

from __future__ import annotations

import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from badges.documents import VC_V2, xsd_datetime
from badges.models import StatusList, StatusPurpose
from badges.signing import data_integrity_sign
from issuer.models import Issuer, KeyPurpose
from issuer.selectors import active_signing_key
from verification.status import LIST_SIZE, bit_is_set, encode_bitstring, set_bit

# Start a new list once this share of slots is taken: random free slots stay cheap to find,
# and no list ever reveals how many credentials an issuer awarded.
FILL_LIMIT = int(LIST_SIZE * 0.75)
LIST_VALIDITY = timedelta(days=1)
_random = secrets.SystemRandom()


def _empty_bits() -> bytes:
    return bytes(LIST_SIZE // 8)


def _lists_for_sequence(issuer: Issuer, sequence: int) -> dict[str, StatusList]:
    lists = {}
    for purpose in StatusPurpose.values:
        lists[purpose], _ = StatusList.objects.get_or_create(
            issuer=issuer, purpose=purpose, sequence=sequence, defaults={"bits": _empty_bits(), "taken": _empty_bits()}
        )
    return lists


def allocate_slots(issuer: Issuer, count: int) -> list[tuple[StatusList, int]]:
    """Reserve `count` random free slots; returns (revocation list, index) pairs.

    Must run inside the transaction that uses them: the revocation list row is locked until commit so concurrent
    writers never take the same slot (the unique constraint on Credential is the backstop). A list locked by
    another transaction (a bulk chunk signing its credentials) is skipped, not waited for: concurrent writers each
    fill a list of their own, and a new list is opened only when every open one is busy or full. The list's
    `taken` bitmap says which slots are handed out: two statements per list, whatever `count`.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_slots must run inside a transaction")
    slots: list[tuple[StatusList, int]] = []
    while len(slots) < count:
        status_list = _open_list(issuer)
        take = min(count - len(slots), FILL_LIMIT - status_list.allocated)
        taken = bytearray(status_list.taken).ljust(LIST_SIZE // 8, b"\0")
        chosen: list[int] = []
        while len(chosen) < take:
            # At most 75% of the slots are taken, so a random draw is free at least one time in four.
            index = _random.randrange(LIST_SIZE)
            if not bit_is_set(taken, index):
                set_bit(taken, index, True)
                chosen.append(index)
        status_list.allocated += take
        StatusList.objects.filter(pk=status_list.pk).update(
            taken=bytes(taken), allocated=status_list.allocated, updated_at=timezone.now()
        )
        slots.extend((status_list, index) for index in chosen)
    return slots


def _open_list(issuer: Issuer) -> StatusList:
    """A revocation list with free slots, locked by this transaction: the first one not locked by another."""
    open_lists = (
        StatusList.objects.filter(issuer=issuer, purpose=StatusPurpose.REVOCATION, allocated__lt=FILL_LIMIT)
        .order_by("sequence")
        .only("pk", "issuer_id", "purpose", "sequence", "allocated", "taken")  # not the 16 KB of status bits
    )
    if transaction.get_connection().features.has_select_for_update_skip_locked:
        open_lists = open_lists.select_for_update(skip_locked=True)
    else:
        open_lists = open_lists.select_for_update()
    status_list = open_lists.first()
    while status_list is None:
        # Every list is full or busy: open the next sequence (its three purposes together). Two writers racing
        # for the same sequence meet on the unique constraint; the loser sees it locked and tries the next one.
        last = (
            StatusList.objects.filter(issuer=issuer, purpose=StatusPurpose.REVOCATION)
            .order_by("-sequence")
            .values_list("sequence", flat=True)
            .first()
        )
        sequence = 0 if last is None else last + 1
        try:
            with transaction.atomic():
                _lists_for_sequence(issuer, sequence)
        except IntegrityError:
            continue
        status_list = open_lists.filter(sequence=sequence).first()
    status_list.issuer = issuer  # the caller's instance: the list's URL needs it, and reading it again costs a query
    return status_list


# A single award takes its slot from a block this process reserved earlier (D38): the block's slots are taken in
# the list's bitmap when the award that reserved them commits, so no other writer can hand them out, and the next
# BLOCK - 1 awards of this issuer in this process touch no status list at all. A slot whose award rolls back, and a
# block left when the process ends, stay taken and unused: a few slots of a list of 131,072, never a slot twice.
BLOCK = 32


@dataclass
class _Reserve:
    pid: int
    # (issuer pk, issuer created) → [(list pk, sequence, index)]: with the creation time, a reserve can never serve an
    # issuer made anew under a reused number (a test database emptied between tests).
    slots: dict[tuple[int, Any], list[tuple[int, int, int]]] = field(default_factory=dict)


_reserve = _Reserve(pid=os.getpid())
_reserve_lock = threading.Lock()


def take_slot(issuer: Issuer) -> tuple[StatusList, int]:
    """One slot for one award, inside its transaction: from this process's reserve, or from a new block."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_slot must run inside a transaction")
    with _reserve_lock:
        if _reserve.pid != os.getpid():  # a forked child must not use the slots its parent kept
            _reserve.pid, _reserve.slots = os.getpid(), {}
        kept = _reserve.slots.get(_owner(issuer))
        entry = kept.pop() if kept else None
    if entry is not None:
        pk, sequence, index = entry
        # The plain value, as a row read from the database has it: the enum member is no JSON string to the signer.
        purpose = StatusPurpose.REVOCATION.value
        return StatusList(pk=pk, issuer=issuer, purpose=purpose, sequence=sequence), index
    first, *rest = allocate_slots(issuer, BLOCK)
    block = [(status_list.pk, status_list.sequence, index) for status_list, index in rest]
    owner = _owner(issuer)
    transaction.on_commit(lambda: _keep(owner, block))
    return first


def _owner(issuer: Issuer) -> tuple[int, Any]:
    return issuer.pk, issuer.created_at


def _keep(owner: tuple[int, Any], block: list[tuple[int, int, int]]) -> None:
    with _reserve_lock:
        if _reserve.pid == os.getpid():
            _reserve.slots.setdefault(owner, []).extend(block)


def forget_reserved_slots(issuer: Issuer | None = None) -> None:
    """Drop the slots this process keeps (for one issuer, or all): after a slot was found already used, which only
    a database restored under a running process can cause."""
    with _reserve_lock:
        if issuer is None:
            _reserve.slots.clear()
        else:
            _reserve.slots.pop(_owner(issuer), None)


def set_status_bit(*, issuer: Issuer, purpose: str, sequence: int, index: int, value: bool) -> None:
    """Flip one bit under a row lock and bump the list version (re-signed lazily on the next fetch)."""
    set_status_bits(issuer=issuer, purpose=purpose, sequence=sequence, indexes=[index], value=value)


def set_status_bits(*, issuer: Issuer, purpose: str, sequence: int, indexes: list[int], value: bool) -> None:
    """Flip many bits of one list in one write, under a row lock; the version moves once."""
    status_list = StatusList.objects.select_for_update().get(issuer=issuer, purpose=purpose, sequence=sequence)
    bits = bytearray(status_list.bits)
    for index in indexes:
        set_bit(bits, index, value)
    status_list.bits = bytes(bits)
    status_list.version += 1
    status_list.save(update_fields=["bits", "version", "updated_at"])


def status_list_document(status_list: StatusList, *, save: bool = True) -> str:
    """The signed BitstringStatusListCredential, re-signed only when bits changed or it is about to expire.

    `save=False` (verification) signs a stale list in memory without storing it.
    """
    now = timezone.now()
    if status_list.signed_document and status_list.signed_version == status_list.version:
        valid_until = json.loads(status_list.signed_document).get("validUntil", "")
        if valid_until > xsd_datetime(now + LIST_VALIDITY / 4):
            return status_list.signed_document
    if not save:
        return _signed_list(StatusList.objects.select_related("issuer").get(pk=status_list.pk), now)
    with transaction.atomic():
        locked = StatusList.objects.select_for_update(of=("self",)).select_related("issuer").get(pk=status_list.pk)
        signed = _signed_list(locked, now)
        locked.signed_document = signed
        locked.signed_version = locked.version
        locked.save(update_fields=["signed_document", "signed_version", "updated_at"])
    status_list.signed_document, status_list.signed_version = signed, locked.version
    return signed


def _signed_list(status_list: StatusList, now: datetime) -> str:
    document: dict[str, Any] = {
        "@context": [VC_V2],
        "id": status_list.url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": status_list.issuer.did,
        "validFrom": xsd_datetime(now),
        "validUntil": xsd_datetime(now + LIST_VALIDITY),
        "credentialSubject": {
            "id": f"{status_list.url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": encode_bitstring(bytes(status_list.bits)),
        },
    }
    key = active_signing_key(issuer=status_list.issuer, purpose=KeyPurpose.DATA_INTEGRITY)
    return json.dumps(data_integrity_sign(key, document), ensure_ascii=False, separators=(",", ":"))
