"""Commands about happenings and time: events, report trends|entities|deals."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from tracker.cli.base import State, _echo, _note, _parse_when, cli, pass_state
from tracker.models import CATEGORIES
from tracker.report import FORMATS

PERIODS = ("week", "month", "quarter")


def _since_until(func: Any) -> Any:
    func = click.option("--until", callback=_parse_when, help="Before this date (YYYY-MM-DD).")(
        func
    )
    return click.option(
        "--since", callback=_parse_when, help="On or after this date (YYYY-MM-DD)."
    )(func)


def _amount(value: Any, currency: str | None) -> str:
    return f"{currency} {value:,.0f}" if value is not None and currency else ""


def _print_rows(rows: list[dict[str, Any]], columns: list[str], fmt: str) -> None:
    from tracker import report

    if fmt == "json":
        _echo(report.render_json([{c: r.get(c) for c in columns} for r in rows]))
    elif fmt == "csv":
        _echo(report.render_csv(rows, columns).rstrip("\n"))
    else:
        _echo(report.render_table(rows, columns))


@cli.command()
@click.option("--category", type=click.Choice(CATEGORIES), help="Only events with this label.")
@_since_until
@click.option("--entity", help="Only events this company or regulator takes part in.")
@click.option("--jurisdiction", help="Only events in this jurisdiction (EU, US, UK...).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many events.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@pass_state
def events(
    state: State,
    category: str | None,
    since: datetime | None,
    until: datetime | None,
    entity: str | None,
    jurisdiction: str | None,
    limit: int | None,
    fmt: str,
) -> None:
    """Events (one happening, however many reports), newest first: categories,
    participants with roles, amounts and the reports with their sources.

    Dates select events whose reports fall in [--since, --until).
    """
    from tracker import report
    from tracker.store.events import list_events

    with state.engine().connect() as conn:
        rows = list_events(
            conn,
            threshold=state.config["classify.threshold"],
            category=category,
            since=since,
            until=until,
            entity=entity,
            jurisdiction=jurisdiction,
            limit=limit,
        )
    if fmt == "json":
        keys = ("id", "title", "categories", "first_seen", "last_seen", "jurisdiction")
        documents = [
            {
                **{k: e[k] for k in keys},
                "item_count": e["item_count"],
                "amount": (
                    {"value": e["amount_value"], "currency": e["amount_currency"]}
                    if e["amount_value"] is not None
                    else None
                ),
                "participants": e["participants"],
                "amounts": e["amounts"],
                "items": e["items"],
            }
            for e in rows
        ]
        _echo(report.render_json(documents))
        return
    table = [
        {
            "id": e["id"],
            "first_seen": e["first_seen"].date(),
            "reports": e["item_count"],
            "categories": ", ".join(c["category"] for c in e["categories"]),
            "participants": ", ".join(
                f"{p['name']} ({p['role']})" for p in e["participants"] if p["kind"] != "model"
            ),
            "amount": _amount(e["amount_value"], e["amount_currency"]),
            "title": e["title"],
        }
        for e in rows
    ]
    columns = ["id", "first_seen", "reports", "categories", "amount", "participants", "title"]
    _print_rows(table, columns, fmt)


@cli.group()
def report() -> None:
    """Reports over time: trends per period, the most active parties, deals."""


@report.command()
@click.option(
    "--period",
    type=click.Choice(PERIODS),
    default="month",
    show_default=True,
    help="Count per week (from Monday), month or quarter.",
)
@click.option("--category", type=click.Choice(CATEGORIES), help="Only this category.")
@click.option("--entity", help="Only items (or events) naming this company or regulator.")
@click.option("--jurisdiction", help="Only regulatory actions in this jurisdiction (EU, US...).")
@_since_until
@click.option(
    "--by",
    type=click.Choice(["items", "events"]),
    default="items",
    show_default=True,
    help="Count reports, or happenings (an event counts once, at its first report).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help='Also draw the trend as a PNG chart in this file (needs pip install "tracker[chart]").',
)
@pass_state
def trends(
    state: State,
    period: str,
    category: str | None,
    entity: str | None,
    jurisdiction: str | None,
    since: datetime | None,
    until: datetime | None,
    by: str,
    fmt: str,
    chart: Path | None,
) -> None:
    """How many items (or events) of each category per week, month or quarter.

    An item counts once per category it has at or above [classify] threshold;
    periods with none show 0. The JSON rows are {"period", "category", "count"}.
    """
    from tracker.store.trends import trend_rows

    with state.engine().connect() as conn:
        rows = trend_rows(
            conn,
            period=period,
            threshold=state.config["classify.threshold"],
            by=by,
            category=category,
            entity=entity,
            jurisdiction=jurisdiction,
            since=since,
            until=until,
        )
    if chart is not None:
        from tracker.chart import draw_trend

        scope = " ".join(x for x in (entity, jurisdiction and jurisdiction.upper()) if x)
        title = f"AI deals and regulation{': ' + scope if scope else ''}, {by} per {period}"
        draw_trend(rows, chart, title=title, period=period, unit=by)
        _note(f"chart written to {chart}")
    if fmt == "table":
        _echo(_pivot(rows, [category] if category else list(CATEGORIES)))
        return
    _print_rows(rows, ["period", "category", "count"], fmt)


def _pivot(rows: list[dict[str, Any]], categories: list[str]) -> str:
    """One line per period, one column per category: easier to read than pairs."""
    from tracker import report

    table: dict[Any, dict[str, Any]] = {}
    for row in rows:
        table.setdefault(row["period"], {"period": row["period"]})[row["category"]] = row["count"]
    return report.render_table(list(table.values()), ["period", *categories])


@report.command()
@click.option(
    "--period",
    type=click.Choice(PERIODS),
    default="quarter",
    show_default=True,
    help="Rank per week, month or quarter.",
)
@click.option("--category", type=click.Choice(CATEGORIES), help="Only events with this label.")
@_since_until
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="How many companies and regulators per period.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@pass_state
def entities(
    state: State,
    period: str,
    category: str | None,
    since: datetime | None,
    until: datetime | None,
    top: int,
    fmt: str,
) -> None:
    """The companies and regulators in the most events per period, with the
    roles they had (investor, investee, partner, regulator, target...)."""
    from tracker.store.trends import entity_activity

    with state.engine().connect() as conn:
        rows = entity_activity(
            conn,
            period=period,
            threshold=state.config["classify.threshold"],
            category=category,
            since=since,
            until=until,
            top=top,
        )
    _print_rows(rows, ["period", "kind", "name", "events", "roles"], fmt)


@report.command()
@click.option("--entity", help="Only deals where this company is investor or investee.")
@_since_until
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@pass_state
def deals(
    state: State, entity: str | None, since: datetime | None, until: datetime | None, fmt: str
) -> None:
    """Investment events, oldest first: investor, investee, amount (in the
    currency reported) and date, e.g. every stake Microsoft took and its cost."""
    from tracker.store.trends import deals as list_deals

    with state.engine().connect() as conn:
        rows = list_deals(
            conn,
            threshold=state.config["classify.threshold"],
            entity=entity,
            since=since,
            until=until,
        )
    if fmt == "table":
        for row in rows:
            row["amount"] = _amount(row["amount"], row["currency"])
        _print_rows(rows, ["event_id", "date", "investor", "investee", "amount", "title"], fmt)
        return
    _print_rows(
        rows, ["event_id", "date", "investor", "investee", "amount", "currency", "title"], fmt
    )
