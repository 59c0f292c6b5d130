"""The one orchestrator: it calls, it never decides.

    files.ingest_path        fetch.iter_files / read_file          (I/O in)
    poll.poll_due_sources    store.sources.claim_due               (SQL: what is due)
                             fetch_http.Fetcher -> feeds.parse_feed (I/O in, then pure)
      per document:          parse.parse_document, classify.analyze (pure)
      batch.commit_batch     store.queries.store_items             (SQL, one transaction:
                             store.events.assign_events             items, events, alerts)
                             store.alerts.queue_alerts
      per source:            store.sources.record_check            (SQL: health, next check)
    outbox.send_pending_alerts  store.alerts.claim_pending -> alerts.build_* (pure)
                             -> mail.Transport                     (I/O out)
    reclassify.reclassify    store.labels -> classify.analyze -> store.labels, store.events

The CLI (``ingest``, ``run --once``, ``alerts send``, ``reclassify``) and the
daemon's jobs call these functions. A failing document or source is recorded
and skipped; the rest go on.
"""

from tracker.pipeline.batch import analyze_item
from tracker.pipeline.files import ingest_path
from tracker.pipeline.outbox import (
    SendReport,
    compose_alert,
    preview_alerts,
    queue_digests,
    send_digest,
    send_pending_alerts,
)
from tracker.pipeline.poll import (
    ingest_feed,
    poll_due_sources,
    sync_config_sources,
)
from tracker.pipeline.reclassify import ReclassifyReport, reclassify

__all__ = [
    "ReclassifyReport",
    "SendReport",
    "analyze_item",
    "compose_alert",
    "ingest_feed",
    "ingest_path",
    "poll_due_sources",
    "preview_alerts",
    "queue_digests",
    "reclassify",
    "send_digest",
    "send_pending_alerts",
    "sync_config_sources",
]
