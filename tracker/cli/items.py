"""Commands about classified items: items, classify, eval."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tracker.cli.base import State, _echo, _parse_when, cli, pass_state, utcnow
from tracker.models import CATEGORIES, Analysis, RawDoc
from tracker.report import FORMATS

if TYPE_CHECKING:
    from tracker.evaluate import GoldItem


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
@click.option(
    "-v",
    "--verbose",
    "show_misses",
    is_flag=True,
    help="Also list the misclassified items and the evidence that misled (in JSON: "
    '"misclassified").',
)
@pass_state
def eval_(state: State, gold: Path, fmt: str, show_misses: bool) -> None:
    """Precision, recall and F1 per category on a labelled gold set (JSON Lines).

    With -v, also lists the misclassified items and the evidence that misled:
    "missed" for a gold label the rules did not give, "false" for one they gave
    and the gold set does not have.
    """
    from tracker import report
    from tracker.classify import analyze
    from tracker.evaluate import read_gold, score

    rules, threshold = state.rules(), state.config["classify.threshold"]
    with gold.open(encoding="utf-8") as handle:
        items_ = read_gold(handle, str(gold))
    analyses = [analyze(g.title, g.text, rules, threshold) for g in items_]
    predicted = [frozenset(lab.category for lab in a.reported(threshold)) for a in analyses]
    result: dict[str, Any] = dict(score([g.labels for g in items_], predicted))
    show_misses = show_misses or state.verbose
    misses = (
        [
            _miss(g, a, category)
            for g, a, p in zip(items_, analyses, predicted, strict=True)
            for category in sorted(g.labels ^ p)
        ]
        if show_misses
        else []
    )
    if fmt == "json":
        if show_misses:
            result["misclassified"] = misses
        _echo(report.render_json(result))
    else:
        rows = [{"category": c, **v} for c, v in result["per_category"].items()]
        _echo(report.render_table(rows, ["category", "precision", "recall", "f1", "support"]))
        _echo(
            f"micro F1 {result['micro_f1']:.3f}   macro F1 {result['macro_f1']:.3f}   "
            f"n {result['n']}"
        )
        for m in misses:
            why = f"{m['score']:.2f} {m['evidence']}" if m["evidence"] else "no evidence"
            line = f"{m['kind']:6} {m['category']:<18} {m['id']}: {m['title'][:60]!r}"
            _echo(f"{line} -- {why[:160]}")


def _miss(gold: GoldItem, analysis: Analysis, category: str) -> dict[str, Any]:
    """One misclassified label: "missed" (in the gold set, not given) or "false"."""
    label = next((lab for lab in analysis.labels if lab.category == category), None)
    return {
        "id": gold.id,
        "title": gold.title,
        "category": category,
        "kind": "missed" if category in gold.labels else "false",
        "score": round(label.score, 4) if label else 0.0,
        "evidence": label.evidence if label else "",
    }


@cli.command()
@click.option(
    "--since", callback=_parse_when, help="Only items published on or after this date (YYYY-MM-DD)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_state
def reclassify(state: State, since: datetime | None, fmt: str) -> None:
    """Re-run the current rules over stored items and update their labels.

    Use it after changing the rules files or upgrading tracker. Labels,
    entities, amounts and the rules version of every item are replaced, and the
    events they belong to are brought up to date; the output says, per
    category, how many items gained and lost the label.
    """
    from tracker import report
    from tracker.pipeline import reclassify as run_reclassify

    bar = None
    progress = None
    if sys.stderr.isatty():
        bar = click.progressbar(length=0, label="reclassifying", file=sys.stderr, show_pos=True)

        def progress(n: int) -> None:
            assert bar is not None
            bar.update(n)

    result = run_reclassify(
        state.engine(),
        rules=state.rules(),
        config=state.config,
        since=since,
        progress=progress,
        clock=utcnow,
    )
    if bar is not None:
        bar.render_finish()
    rows = [{"category": c, "gained": result.gained[c], "lost": result.lost[c]} for c in CATEGORIES]
    if fmt == "json":
        _echo(
            report.render_json(
                {"items": result.items, "changed": result.changed, "per_category": rows}
            )
        )
        return
    _echo(report.render_table(rows, ["category", "gained", "lost"]))
    _echo(f"{result.items} items reclassified, {result.changed} changed labels")
