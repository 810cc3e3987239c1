"""list, search, show."""

from __future__ import annotations

import json

import typer

from sim_pipeline.store import inventory_view
from sim_pipeline.actor import Actor
from sim_pipeline.cli import filters as fo
from sim_pipeline.cli.app import app
from sim_pipeline.cli.options import AS_ACTOR, JSON
from sim_pipeline.cli.output import emit_csv, emit_json, emit_text
from sim_pipeline.store.db import open_inventory
from sim_pipeline.settings import Settings

LIST_COLUMNS = ["iccid", "imsi", "status", "msisdn", "account_id", "customer", "distributor",
                "representative", "managed_by", "custom"]


def _line(card: dict) -> str:
    custom = " ".join(f"{k}={v}" for k, v in card["custom"].items())
    parties = " ".join(f"{k}={card[k]}" for k in ("customer", "distributor", "representative", "msisdn")
                       if card.get(k))
    return f"{card['iccid']}  {card['imsi']}  {card['status']:9}  {card['managed_by']}  {parties}  {custom}".rstrip()


def _print_cards(cards: list[dict], json_out: bool, csv_out: bool = False) -> None:
    if csv_out:
        emit_csv(({**c, "custom": json.dumps(c["custom"], ensure_ascii=False)} for c in cards), LIST_COLUMNS)
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
    csv_out: bool = typer.Option(False, "--csv", help="CSV on stdout (text cells safe for spreadsheets)."),
) -> None:
    """List cards; filters combine.

    Example: sim-pipeline list --status in_use --custom Marketplace=Amazon --count
    """
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
    _print_cards(cards, json_out, csv_out)


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
