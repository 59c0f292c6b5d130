"""Which stored item an incoming one is, and the record of who saw it.

An incoming item is the stored item that has, in this order:

1. the same GUID, seen in the same source (GUIDs are only unique per feed);
2. the same canonical URL, seen in any source (the same article in two feeds);
3. the same content hash (the same words under another URL).

Each source that gives an item gets a sighting row, with the content hash as
that source last gave it. When a source's own version of an item changes (same
GUID or URL, new hash), the item is revised: its previous title and hash go to
``item_revisions`` and its text and analysis are replaced. A different version
from another source is only a sighting, so two feeds that word one article
differently do not overwrite each other on every poll.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, delete, select, update
from sqlalchemy.engine import Connection

from tracker.models import Item
from tracker.store import bulk
from tracker.store.schema import Amount, ItemEntity, ItemLabel
from tracker.store.tables import items_t, revisions_t, sightings_t

_ANALYSIS_TABLES: tuple[Table, ...] = (
    ItemLabel.__table__,  # type: ignore[assignment]
    ItemEntity.__table__,  # type: ignore[assignment]
    Amount.__table__,  # type: ignore[assignment]
)
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Match:
    """The stored item an incoming one turned out to be."""

    item_id: int
    by: str  # guid, url or hash
    seen_hash: str | None  # what this source gave last time; None if it never gave it

    def is_revision(self, item: Item) -> bool:
        """True when this source's own version changed since it last gave it."""
        return self.seen_hash is not None and self.seen_hash != item.content_hash


def _chunks(values: Sequence[str]) -> list[list[str]]:
    unique = list(dict.fromkeys(values))
    return [unique[i : i + _CHUNK] for i in range(0, len(unique), _CHUNK)]


def match_items(conn: Connection, source_id: int, items: Sequence[Item]) -> list[Match | None]:
    """For each incoming item, the stored item it is, or None when it is new."""
    by_guid: dict[str, int] = {}
    for chunk in _chunks([i.guid for i in items if i.guid]):
        rows = conn.execute(
            select(sightings_t.c.guid, sightings_t.c.item_id).where(
                sightings_t.c.source_id == source_id, sightings_t.c.guid.in_(chunk)
            )
        )
        by_guid.update({guid: item_id for guid, item_id in rows})
    by_url: dict[str, int] = {}
    for chunk in _chunks([i.url for i in items]):
        rows = conn.execute(
            select(sightings_t.c.url, sightings_t.c.item_id, sightings_t.c.source_id)
            .where(sightings_t.c.url.in_(chunk))
            .order_by(sightings_t.c.item_id)
        )
        for url, item_id, seen_by in rows:
            if url not in by_url or seen_by == source_id:
                by_url[url] = item_id
    by_hash: dict[str, int] = {}
    for chunk in _chunks([i.content_hash for i in items]):
        rows = conn.execute(
            select(items_t.c.content_hash, items_t.c.id).where(items_t.c.content_hash.in_(chunk))
        )
        by_hash.update({content_hash: item_id for content_hash, item_id in rows})
    found: list[tuple[int, str] | None] = []
    for item in items:
        if item.guid and item.guid in by_guid:
            found.append((by_guid[item.guid], "guid"))
        elif item.url in by_url:
            found.append((by_url[item.url], "url"))
        elif item.content_hash in by_hash:
            found.append((by_hash[item.content_hash], "hash"))
        else:
            found.append(None)
    seen = _seen_hashes(conn, source_id, [f[0] for f in found if f])
    return [Match(f[0], f[1], seen.get(f[0])) if f else None for f in found]


def _seen_hashes(conn: Connection, source_id: int, item_ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    ids = list(dict.fromkeys(item_ids))
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(
            select(sightings_t.c.item_id, sightings_t.c.content_hash).where(
                sightings_t.c.source_id == source_id,
                sightings_t.c.item_id.in_(ids[start : start + _CHUNK]),
            )
        )
        out.update({item_id: h or "" for item_id, h in rows})
    return out


def known_entries(conn: Connection, source_id: int, items: Sequence[Item]) -> set[str]:
    """The URLs of the incoming items this source has given before (by GUID or URL)."""
    known = set()
    for item, match in zip(items, match_items(conn, source_id, items), strict=True):
        if match is not None and match.by in ("guid", "url") and match.seen_hash is not None:
            known.add(item.url)
    return known


def record(
    conn: Connection, source_id: int, seen: Sequence[tuple[int, Item]], now: datetime
) -> None:
    """This source saw these items now: insert or refresh its sightings."""
    if not seen:
        return
    rows = {
        item_id: (item_id, source_id, item.url, item.guid, item.content_hash, now, now)
        for item_id, item in seen
    }
    refreshed = ("last_seen_at", "content_hash", "url", "guid")
    bulk.insert_rows(
        conn,
        sightings_t,
        ("item_id", "source_id", "url", "guid", "content_hash", "first_seen_at", "last_seen_at"),
        list(rows.values()),
        conflict="ON CONFLICT (item_id, source_id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in refreshed),
    )


def revise(conn: Connection, item_id: int, item: Item, rules_version: str, now: datetime) -> bool:
    """Replace a stored item's text with ``item``'s, keeping the old in
    ``item_revisions`` and dropping its old analysis (the caller stores the new
    one). False, and nothing changed, when the new text is already stored as
    this or another item."""
    current = conn.execute(
        select(items_t.c.content_hash, items_t.c.title).where(items_t.c.id == item_id)
    ).first()
    if current is None or current.content_hash == item.content_hash:
        return False
    clash = conn.execute(
        select(items_t.c.id).where(items_t.c.content_hash == item.content_hash)
    ).scalar()
    if clash is not None:
        return False
    conn.execute(
        revisions_t.insert().values(
            item_id=item_id,
            previous_hash=current.content_hash,
            previous_title=current.title,
            changed_at=now,
        )
    )
    conn.execute(
        update(items_t)
        .where(items_t.c.id == item_id)
        .values(
            title=item.title,
            body=item.body,
            has_headline=item.has_headline,
            content_hash=item.content_hash,
            rules_version=rules_version,
        )
    )
    for table in _ANALYSIS_TABLES:
        conn.execute(delete(table).where(table.c.item_id == item_id))
    return True
