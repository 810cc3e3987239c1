"""list, search, show."""

from __future__ import annotations

from pathlib import Path

import typer

from sim_pipeline.store import inventory_export

from sim_pipeline.store import inventory_view
from sim_pipeline.actor import Actor
from sim_pipeline.cli import filters as fo
from sim_pipeline.cli.app import app, fail
from sim_pipeline.cli.options import AS_ACTOR, JSON
from sim_pipeline.cli.output import emit_csv, emit_json, emit_text
from sim_pipeline.store import custom_fields
from sim_pipeline.store.db import open_inventory
from sim_pipeline.settings import Settings

def _line(card: dict) -> str:
    custom = " ".join(f"{k}={v}" for k, v in card["custom"].items())
    parties = " ".join(f"{k}={card[k]}" for k in ("customer", "distributor", "representative", "msisdn")
                       if card.get(k))
    return f"{card['iccid']}  {card['imsi']}  {card['status']:9}  {card['managed_by']}  {parties}  {custom}".rstrip()


def _custom_fields(con) -> list[str]:
    return [f["name"] for f in custom_fields.list_fields(con)]


def _print_cards(cards: list[dict], json_out: bool, csv_out: bool = False, fields: list[str] | None = None) -> None:
    if csv_out:
        columns = inventory_export.export_columns(fields or [])
        rows = ({header: inventory_export.export_row(c).get(key) for header, key in columns} for c in cards)
        emit_csv(rows, [header for header, _key in columns])
        return
    for card in cards:
        emit_json(card) if json_out else emit_text(_line(card))


@app.command("list")
def list_cmd(
    status: list[str] = fo.STATUS, iccid_from: str = fo.ICCID_FROM, iccid_to: str = fo.ICCID_TO,
    managed_by: str = fo.MANAGED_BY, distributor: str = fo.DISTRIBUTOR, representative: str = fo.REPRESENTATIVE,
    customer: str = fo.CUSTOMER, custom: list[str] = fo.CUSTOM, activated: bool = fo.ACTIVATED,
    count: bool = typer.Option(False, "--count", help="Print the number of matching cards only."),
    limit: int = typer.Option(None, "--limit", help="At most this many cards."),
    as_actor: str = AS_ACTOR, json_out: bool = JSON,
    csv_out: bool = typer.Option(False, "--csv", help="CSV on stdout in the upload's column names, custom fields "
                                 "as '<Name> custom' columns (text cells safe for spreadsheets)."),
    xlsx_out: Path = typer.Option(None, "--xlsx", metavar="FILE", dir_okay=False,
                                  help="Write the --csv rows to an XLSX file (ICCID, IMSI, MSISDN as text)."),
) -> None:
    """List cards; filters combine. --csv and --xlsx export files that `ingest` takes again.

    Example: sim-pipeline list --status in_use --custom Marketplace=Amazon --count
    """
    if xlsx_out is not None and (xlsx_out.is_dir() or not xlsx_out.parent.is_dir()):
        raise typer.BadParameter(f"{xlsx_out}: expected a file in an existing folder", param_hint="--xlsx")
    actor = Actor.parse(as_actor)
    f = fo.FilterOptions(status, iccid_from, iccid_to, managed_by, distributor, representative, customer,
                         custom, activated).to_filter(actor)
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        if count:
            n = inventory_view.count_cards(con, f)
            emit_json({"count": n}) if json_out else emit_text(str(n))
            return
        cards = inventory_view.list_cards(con, f, limit)
        fields = _custom_fields(con)
    if xlsx_out is not None:
        try:
            inventory_export.write_xlsx(xlsx_out, cards, fields)
        except OSError as exc:
            raise fail(f"cannot write {xlsx_out}: {exc.strerror or exc}; choose another --xlsx") from None
        emit_text(f"{len(cards):,} cards written to {xlsx_out}")
        return
    _print_cards(cards, json_out, csv_out, fields)


@app.command("search")
def search_cmd(keyword: str = typer.Argument(..., help="Text to find (substring, any case)."),
               as_actor: str = AS_ACTOR, json_out: bool = JSON) -> None:
    """Find cards whose ICCID, IMSI, MSISDN, account, customer, distributor, representative,
    description or custom values contain KEYWORD.

    Example: sim-pipeline search "Adam Smith"
    """
    actor = Actor.parse(as_actor)
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        cards = inventory_view.search_cards(con, keyword, actor)
    _print_cards(cards, json_out)


@app.command("show")
def show_cmd(key: str = typer.Argument(..., help="ICCID, IMSI or MSISDN.", metavar="ICCID|IMSI|MSISDN"),
             reveal: bool = typer.Option(False, "--reveal", help="Show secrets in clear (recorded in the history)."),
             as_actor: str = AS_ACTOR, json_out: bool = JSON) -> None:
    """Every detail of one card and its change history. Secrets are masked unless --reveal.

    Example: sim-pipeline show 1949177921756150001 --json
    """
    actor = Actor.parse(as_actor)
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        card = inventory_view.show_card(con, settings, key, actor, reveal=reveal)
    if json_out:
        emit_json(card)
        return
    for name in inventory_view.CARD_COLUMNS:
        value = card[name]
        if name == "custom":
            value = ", ".join(f"{k}={v}" for k, v in value.items()) or None
        if value is not None:
            emit_text(f"{name:15} {value}")
    for name, value in card["secrets"].items():
        emit_text(f"{name:15} {value}")
    emit_text("history:")
    for h in card["history"]:
        src = f"{h['source']['file']}:{h['source']['line']}" if h["source"]["line"] else (h["source"]["file"] or "")
        moved = f"{h['old_status'] or '-'} -> {h['new_status'] or 'deleted'}"
        emit_text(f"  {h['at']:%Y-%m-%d %H:%M:%S}  {h['action']:17} {moved:24} {h['actor']:16} {src}")
