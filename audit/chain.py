"""The audit trail is a hash chain: each event stores the hash of the one before it and
its own hash over a canonical form of its fields plus that previous hash.

An edit made behind the application's back (a raw UPDATE, DELETE or INSERT in the
database) breaks the chain at the first event it touches, and ``manage.py audit_verify``
reports that event. The hash is plain SHA-256, not a keyed MAC: someone who can rewrite
the table *and* recompute every later hash can still forge a consistent chain, which is
why ``audit_verify`` prints the head hash — recorded somewhere else (a ticket, a log
shipped off the host), it pins everything before it.

The canonical form is a contract with every stored hash: change it only together with a
migration that re-hashes the trail.
"""

import datetime
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# The hash the first event links to.
GENESIS = "0" * 64

# The fields an event's hash covers, in this order. ``id`` is left out on purpose: the
# hash is computed before the row exists. Position is fixed by ``prev_hash`` instead.
HASHED_FIELDS = (
    "occurred_at", "actor_id", "actor_email", "verb", "target_type", "target_id",
    "target_repr", "ip_address", "details",
)


def canonical_json(value: Any) -> str:
    """One spelling for one value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def normalise_details(details: Any) -> Any:
    """What the details will read as once stored as JSON (tuples become lists, keys
    become strings), so the hash made before the insert matches the row read later."""
    return json.loads(canonical_json(details))


def _timestamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def event_hash(fields: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 over the canonical JSON of the hashed fields and the previous hash."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    payload["occurred_at"] = _timestamp(payload["occurred_at"])
    payload["prev_hash"] = prev_hash
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold."""

    event_id: int
    position: int
    reason: str

    def __str__(self) -> str:
        return f"event #{self.event_id} (position {self.position}): {self.reason}"


@dataclass(frozen=True)
class Verdict:
    checked: int
    head: str
    broken: Break | None


def verify(rows: Iterable[dict[str, Any]]) -> Verdict:
    """Walk rows in chain order (by id): how many were checked, the last good hash, and
    the first break if any. Each row carries ``id``, ``prev_hash``, ``hash`` and the
    hashed fields."""
    expected_prev = GENESIS
    count = 0
    for count, row in enumerate(rows, start=1):
        if row["prev_hash"] != expected_prev:
            reason = (
                "it does not link to the event before it — an event was removed, "
                "inserted or moved here, or the one before it was rewritten with a new hash"
            )
            return Verdict(count, expected_prev, Break(row["id"], count, reason))
        if row["hash"] != event_hash(row, row["prev_hash"]):
            edited = Break(row["id"], count, "its contents do not match its hash — it was edited")
            return Verdict(count, expected_prev, edited)
        expected_prev = row["hash"]
    return Verdict(count, expected_prev, None)


def chain_rows(queryset, chunk_size: int = 2000) -> Iterator[dict[str, Any]]:
    """Every event as a dict, in chain order, streamed."""
    return (
        queryset.order_by("id")
        .values("id", "prev_hash", "hash", *HASHED_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
