"""The command line: thin click commands over the pipeline and the store.

Expected failures (a TrackerError) print one line on stderr and exit 1; usage
errors exit 2; ``-v`` shows the traceback and the log.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import Engine

from tracker import __version__
from tracker.config import SETTINGS, Config, load_config, mask_url
from tracker.errors import TrackerError
from tracker.models import CATEGORIES, RawDoc
from tracker.report import FORMATS

log = logging.getLogger("tracker")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class State:
    config_path: Path | None
    db_url: str | None
    verbose: int
    _config: Config | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            config = load_config(self.config_path)
            if self.db_url:
                config = config.with_value("database.url", self.db_url, "--db")
            self._config = config
        return self._config

    def engine(self, *, migrate: bool = True) -> Engine:
        """The database engine; the schema is created or checked first."""
        from tracker.store.db import create_db_engine, ensure_schema

        if self._engine is None:
            self._engine = create_db_engine(self.config["database.url"])
            if migrate:
                ensure_schema(self._engine)
        return self._engine

    def rules(self) -> Any:
        from tracker.rules import DEFAULT_CLASSIFY, DEFAULT_GAZETTEER
        from tracker.ruleset import load_ruleset

        rules = self.config["classify.rules"] or DEFAULT_CLASSIFY
        gazetteer = self.config["classify.gazetteer"] or DEFAULT_GAZETTEER
        return load_ruleset(Path(rules), Path(gazetteer))


pass_state = click.make_pass_decorator(State)


def _parse_when(_ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    from tracker.dates import parse_header_date

    if value is None:
        return None
    parsed = parse_header_date(value)
    if parsed is None:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD", param=param)
    return parsed


def _echo(text: str) -> None:
    click.echo(text)


def _note(text: str) -> None:
    click.echo(text, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Configuration file [default: ./config.toml when present].",
)
@click.option(
    "--db",
    "db_url",
    envvar="TRACKER_DATABASE_URL",
    show_envvar=True,
    help="Database URL, e.g. sqlite:///tracker.db or postgresql+psycopg://user@host/db.",
)
@click.option(
    "-v", "--verbose", count=True, help="Log progress to stderr; show tracebacks on errors."
)
@click.version_option(__version__, prog_name="tracker")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, db_url: str | None, verbose: int) -> None:
    """tracker: the AI industry's deals and the regulators who watch them.

    Ingests news from files and feeds, labels each item as investment,
    partnership, model release or regulatory action (with a score and the
    sentence that justifies it), names the companies, regulators and amounts,
    and stores it all in SQLite or PostgreSQL for trend queries.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    ctx.obj = State(config_path, db_url, verbose)


@cli.command()
@pass_state
def init(state: State) -> None:
    """Create the database, or upgrade it to the newest schema."""
    from tracker.store.db import upgrade

    before, after = upgrade(state.engine(migrate=False))
    where = mask_url(state.config["database.url"])
    if before == after:
        _echo(f"{where}: schema is up to date (revision {after})")
    else:
        _echo(
            f"{where}: schema {'created' if before is None else 'upgraded from ' + before} "
            f"at revision {after}"
        )


def _progress_for(paths: list[Path]) -> tuple[Callable[[int], None] | None, Any]:
    if not sys.stderr.isatty():
        return None, None
    from tracker.fetch import iter_files

    total = sum(1 for p in paths for _ in iter_files(p))
    if total < 20:
        return None, None
    bar = click.progressbar(length=total, label="ingesting", file=sys.stderr)
    bar.__enter__()
    return bar.update, bar


def _summary(name: str, report: Any) -> str:
    return f"{name}: {report.new} new, {report.duplicate} duplicate, {report.failed} skipped"


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@pass_state
def ingest(state: State, paths: tuple[str, ...]) -> None:
    """Ingest files and folders (recursively) once.

    Reads .txt, .md and .html files; the same content twice is stored once.
    Prints how many items were new, duplicates or skipped, and why.
    """
    from tracker.pipeline import ingest_path

    engine, rules = state.engine(), state.rules()
    targets = []
    for given in paths:
        if given.startswith(("http://", "https://")):
            raise TrackerError(
                f"{given}: feed URLs are not read by this version of tracker yet",
                hint="ingest files and folders",
            )
        targets.append(Path(given))
    progress, bar = _progress_for(targets)
    totals = [0, 0, 0]
    try:
        for given, path in zip(paths, targets, strict=True):
            report = ingest_path(
                engine,
                path,
                name=given,
                config=state.config,
                rules=rules,
                clock=utcnow,
                progress=progress,
            )
            if bar is not None:
                bar.render_finish()
            _echo(_summary(given, report))
            for where, reason in report.skipped:
                _note(f"  skipped {where}: {reason}")
            totals = [
                totals[0] + report.new,
                totals[1] + report.duplicate,
                totals[2] + report.failed,
            ]
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if len(paths) > 1:
        _echo(f"total: {totals[0]} new, {totals[1]} duplicate, {totals[2]} skipped")


@cli.command()
@click.option("--category", type=click.Choice(CATEGORIES), help="Only items with this label.")
@click.option("--since", callback=_parse_when, help="Published on or after this date (YYYY-MM-DD).")
@click.option("--until", callback=_parse_when, help="Published before this date (YYYY-MM-DD).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many items.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@pass_state
def items(
    state: State,
    category: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int | None,
    fmt: str,
) -> None:
    """Classified items, newest first, with labels, scores and evidence.

    Only labels at or above [classify] threshold are shown.
    """
    from tracker import report
    from tracker.store.queries import list_items

    with state.engine().connect() as conn:
        rows = list_items(
            conn,
            threshold=state.config["classify.threshold"],
            category=category,
            since=since,
            until=until,
            limit=limit,
        )
    if fmt == "json":
        _echo(report.render_json(report.item_documents(rows)))
        return
    columns = ["id", "published", "labels", "title", "evidence"]
    table = report.item_rows(rows)
    _echo(
        report.render_csv(table, columns).rstrip("\n")
        if fmt == "csv"
        else report.render_table(table, columns)
    )


@cli.command()
@click.argument("source", default="-", metavar="[FILE|-]")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_state
def classify(state: State, source: str, fmt: str) -> None:
    """Classify one text without storing it: labels, entities, amounts.

    Reads FILE, or standard input when FILE is - or missing.
    """
    from tracker import report
    from tracker.fetch import read_file
    from tracker.parse import parse_document
    from tracker.pipeline import analyze_item

    if source == "-":
        doc = RawDoc("stdin", "stdin.txt", sys.stdin.buffer.read())
    else:
        doc = read_file(Path(source), source, state.config["ingest.max_file_mb"] * 1_000_000)
    item = parse_document(doc, utcnow())
    threshold = state.config["classify.threshold"]
    analysis = analyze_item(item, state.rules(), threshold)
    document = {
        "labels": [
            {"category": lab.category, "score": lab.score, "evidence": lab.evidence}
            for lab in analysis.reported(threshold)
        ],
        "entities": [{"kind": e.kind, "name": e.name, "role": e.role} for e in analysis.entities],
        "amounts": [
            {
                "value": a.value,
                "currency": a.currency,
                "text": a.text,
                "kind": a.kind,
                "conversion_of": a.conversion_of,
            }
            for a in analysis.amounts
        ],
    }
    if fmt == "json":
        _echo(report.render_json(document))
        return
    _echo(f"title: {item.title}")
    _echo(f"published: {item.published_at.date().isoformat()} ({item.date_source})")
    _echo("labels:" if document["labels"] else "labels: none")
    for lab in document["labels"]:
        _echo(f"  {lab['category']:<18} {lab['score']:.2f}  {lab['evidence']}")
    below = [lab for lab in analysis.labels if lab.score < threshold]
    if below:
        _echo("below threshold: " + ", ".join(f"{lab.category} {lab.score:.2f}" for lab in below))
    _echo("entities:")
    for e in document["entities"]:
        _echo(f"  {e['kind']:<13} {e['name']} ({e['role']})")
    _echo("amounts:" if document["amounts"] else "amounts: none")
    for a in analysis.amounts:
        extra = f", conversion of {a.conversion_of}" if a.conversion_of else ""
        _echo(f"  {a.currency} {a.value:,.0f}  {a.text!r} ({a.kind}{extra})")


@cli.command(name="eval")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_state
def eval_(state: State, gold: Path, fmt: str) -> None:
    """Precision, recall and F1 per category on a labelled gold set (JSON Lines).

    With -v, lists the misclassified items and the evidence that misled.
    """
    from tracker import report
    from tracker.classify import analyze
    from tracker.evaluate import read_gold, score

    rules, threshold = state.rules(), state.config["classify.threshold"]
    with gold.open(encoding="utf-8") as handle:
        items_ = read_gold(handle, str(gold))
    analyses = [analyze(g.title, g.text, rules, threshold) for g in items_]
    predicted = [frozenset(lab.category for lab in a.reported(threshold)) for a in analyses]
    result = score([g.labels for g in items_], predicted)
    if fmt == "json":
        _echo(report.render_json(result))
    else:
        rows = [{"category": c, **v} for c, v in result["per_category"].items()]
        _echo(report.render_table(rows, ["category", "precision", "recall", "f1", "support"]))
        _echo(
            f"micro F1 {result['micro_f1']:.3f}   macro F1 {result['macro_f1']:.3f}   "
            f"n {result['n']}"
        )
    if state.verbose:
        for g, a, p in zip(items_, analyses, predicted, strict=True):
            for category in sorted(g.labels ^ p):
                kind = "missed" if category in g.labels else "false"
                evidence = next((lab for lab in a.labels if lab.category == category), None)
                why = f"{evidence.score:.2f} {evidence.evidence}" if evidence else "no evidence"
                _note(f"{kind:6} {category:<18} {g.id}: {g.title[:60]!r} -- {why[:160]}")


@cli.command()
@pass_state
def status(state: State) -> None:
    """The database, its sources' health, and what it holds."""
    from tracker.store.db import current_revision, head_revision
    from tracker.store.queries import source_health, totals

    engine = state.engine()
    with engine.connect() as conn:
        revision = current_revision(conn)
        counts = totals(conn, state.config["classify.threshold"])
        sources = source_health(conn)
    _echo(
        f"database: {mask_url(state.config['database.url'])} (schema {revision}, "
        f"newest {head_revision()})"
    )
    _echo(
        f"items: {counts['items']}   events: {counts['events']}   "
        f"pending alerts: {counts['alerts_pending']}"
    )
    labels = counts["labels"]
    _echo("labels: " + ", ".join(f"{c} {labels.get(c, 0)}" for c in CATEGORIES))
    if counts["latest_item"]:
        _echo(f"last item stored: {counts['latest_item']:%Y-%m-%d %H:%M} UTC")
    if not sources:
        _echo("sources: none yet (tracker ingest PATH, or [[sources]] in config.toml)")
        return
    _echo("sources:")
    for s in sources:
        health = s["last_status"] or "never checked"
        if s["error_count"]:
            health += f" ({s['error_count']} errors: {s['last_error']})"
        last = f"{s['last_checked_at']:%Y-%m-%d %H:%M}" if s["last_checked_at"] else "-"
        nxt = f"{s['next_check_at']:%Y-%m-%d %H:%M}" if s["next_check_at"] else "-"
        _echo(f"  {s['name']} [{s['kind']}] {s['items']} items, last {last}, next {nxt}, {health}")


@cli.group()
def config() -> None:
    """Inspect the configuration."""


@config.command()
@click.option(
    "--format", "fmt", type=click.Choice(["toml", "json"]), default="toml", show_default=True
)
@pass_state
def dump(state: State, fmt: str) -> None:
    """Print the effective configuration, secrets masked, with where each value came from."""
    from tracker import report

    cfg = state.config
    dumped = cfg.dump()
    if fmt == "json":
        sources = [{k: v for k, v in vars_(s).items() if v is not None} for s in cfg.sources]
        _echo(report.render_json({**dumped, "sources": sources}))
        return
    _echo(f"# configuration file: {cfg.path or 'none (defaults)'}")
    for section in dict.fromkeys(s.section for s in SETTINGS):
        _echo(f"\n[{section}]")
        for setting in (s for s in SETTINGS if s.section == section):
            value = dumped[section][setting.key]
            _echo(
                f"{setting.key} = {_toml_value(value)}  # {cfg.origins.get(setting.name)}: "
                f"{setting.help}"
            )
    for source in cfg.sources:
        _echo("\n[[sources]]")
        for key, value in vars_(source).items():
            if value is not None:
                _echo(f"{key} = {_toml_value(value)}")


def vars_(source: Any) -> dict[str, Any]:
    return {k: getattr(source, k) for k in ("name", "path", "url", "interval")}


def _toml_value(value: Any) -> str:
    import json

    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(json.dumps(v) for v in value) + "]"
    return json.dumps(str(value))


@cli.command()
@click.option("--once", is_flag=True, help="Do one pass over the sources and exit.")
@pass_state
def run(state: State, once: bool) -> None:
    """Poll the configured sources: the daemon's pass, or one pass with --once."""
    from tracker.pipeline import ingest_sources

    if not once:
        raise click.UsageError("the background service is not available yet; use --once")
    sources = state.config.sources
    if not sources:
        raise TrackerError("no sources configured", hint="add [[sources]] to config.toml")
    results = ingest_sources(
        state.engine(), sources, config=state.config, rules=state.rules(), clock=utcnow
    )
    failed = 0
    for name, result in results.items():
        if isinstance(result, TrackerError):
            failed += 1
            _note(f"{name}: failed: {result}")
        else:
            _echo(_summary(name, result))
            for where, reason in result.skipped:
                _note(f"  skipped {where}: {reason}")
    if failed == len(results):
        raise TrackerError("every source failed", hint="see the lines above")


def main() -> None:
    """Entry point: run the CLI, turning expected failures into one line."""
    verbose = any(arg in ("-v", "--verbose") or arg.startswith("-vv") for arg in sys.argv[1:])
    try:
        cli.main(prog_name="tracker", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        _note("aborted")
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except TrackerError as exc:
        if verbose:
            traceback.print_exc()
        _note(f"error: {exc}")
        sys.exit(1)
    except KeyboardInterrupt:
        _note("interrupted")
        sys.exit(130)
    sys.exit(0)
