"""The command line: thin click commands over the pipeline and the store.

Expected failures (a TrackerError) print one line on stderr and exit 1; usage
errors exit 2; ``-v`` shows the traceback and the log. Each module here adds
its commands to the one group defined in :mod:`tracker.cli.base`.
"""

from tracker.cli import (  # noqa: F401  (registers the commands)
    alerts,
    daemon,
    events,
    ingest,
    items,
    sources,
    transfer,
)
from tracker.cli.base import cli, main

__all__ = ["cli", "main"]
