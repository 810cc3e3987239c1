"""Looking at the inventory: list (filters), search (keyword), show (one card with its history).

A card as JSON: iccid, imsi, status, msisdn, account_id, customer, distributor, representative,
managed_by, custom, sim_type, ... Secrets never leave here in clear unless revealed (and audited).
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from schemas.vocabulary import SECRET_COLUMNS
from sim_pipeline.store import custom_fields, queries
from sim_pipeline.actor import Actor
from sim_pipeline.store.card_filter import CardFilter
from sim_pipeline.iccid import strip_pad_text
from sim_pipeline.errors import NotFound
from sim_pipeline.masking import mask_value
from sim_pipeline.sealing.key import load_key
from sim_pipeline.settings import Settings

CARD_COLUMNS = (
    "iccid", "imsi", "status", "msisdn", "account_id", "customer", "distributor", "representative",
    "managed_by", "custom", "sim_type", "amf", "description", "hlr", "activated_at", "disposed_at",
    "created_at", "updated_at", "source_file", "source_line",
)
_SELECT = "select " + ", ".join(f"c.{c}" for c in CARD_COLUMNS) + " from cards as c"


def _card(row: tuple) -> dict[str, Any]:
    card = dict(zip(CARD_COLUMNS, row))
    card["custom"] = json.loads(card["custom"]) if card["custom"] else {}
    card["custom"] = {k: v for k, v in card["custom"].items() if v is not None}
    return card


def resolve_custom(con: duckdb.DuckDBPyConnection, f: CardFilter) -> CardFilter:
    """Custom field names as defined (filters compare names case-insensitively)."""
    defined = custom_fields.by_lower_name(con)
    resolved = []
    for name, value in f.custom:
        if name.lower() not in defined:
            raise NotFound(f"no custom field {name!r} (sim-pipeline fields list)")
        resolved.append((defined[name.lower()], value))
    f.custom = resolved
    return f


def list_cards(con: duckdb.DuckDBPyConnection, f: CardFilter, limit: int | None = None) -> list[dict[str, Any]]:
    where, params = resolve_custom(con, f).where()
    sql = f"{_SELECT} where {where} order by c.iccid_num, c.iccid"
    if limit is not None:
        sql += " limit $limit"
        params["limit"] = limit
    return [_card(r) for r in con.execute(sql, params).fetchall()]


def count_cards(con: duckdb.DuckDBPyConnection, f: CardFilter) -> int:
    where, params = resolve_custom(con, f).where()
    return con.execute(f"select count(*) from cards as c where {where}", params).fetchall()[0][0]


def search_cards(con: duckdb.DuckDBPyConnection, keyword: str, actor: Actor, limit: int = 1000) -> list[dict[str, Any]]:
    """Substring match (case-insensitive) on identifiers, parties, description and custom values."""
    scope, params = CardFilter(actor=actor).where()
    fields = ("iccid", "imsi", "msisdn", "account_id", "customer", "distributor", "representative", "description")
    match = " or ".join(f"contains(lower(coalesce(c.{f}, '')), $kw)" for f in fields)
    match += " or list_contains(list_transform(json_extract_string(c.custom, '$.*'), lambda x: contains(lower(coalesce(x, '')), $kw)), true)"
    params.update(kw=keyword.strip().lower(), limit=limit)
    sql = f"{_SELECT} where {scope} and ({match}) order by c.iccid_num, c.iccid limit $limit"
    return [_card(r) for r in con.execute(sql, params).fetchall()]


def find_card(con: duckdb.DuckDBPyConnection, key: str, actor: Actor) -> dict[str, Any]:
    """A card by ICCID (F pad allowed), IMSI or MSISDN, within the actor's scope."""
    scope, params = CardFilter(actor=actor).where()
    params.update(key=key.strip(), iccid=strip_pad_text(key))
    rows = con.execute(
        f"{_SELECT} where {scope} and (c.iccid = $iccid or c.imsi = $key or c.msisdn = $key) "
        "order by (c.iccid = $iccid) desc, (c.imsi = $key) desc limit 1", params
    ).fetchall()
    if not rows:
        raise NotFound(f"no card {key!r}" + ("" if actor.is_admin else " (not found or not managed by you)"))
    return _card(rows[0])


def history(con: duckdb.DuckDBPyConnection, iccid: str) -> list[dict[str, Any]]:
    out = []
    for r in queries.rows(con, "card_history_of", iccid=iccid):
        out.append({
            "at": r["changed_at"], "action": r["action"], "old_status": r["old_status"],
            "new_status": r["new_status"], "changes": json.loads(r["changes"]) if r["changes"] else {},
            "source": {"file": r["source_file"], "line": r["source_line"]}, "actor": r["actor"],
            "reason": r["reason"],
        })
    return out


def show_card(con: duckdb.DuckDBPyConnection, settings: Settings, key: str, actor: Actor,
              reveal: bool = False) -> dict[str, Any]:
    """Every detail of one card and its history. Secrets masked, or clear with `reveal` (recorded)."""
    from sim_pipeline.sealing.columns import open_card  # here: `list` and `search` need no secret store (pyarrow)

    card = find_card(con, key, actor)
    secrets = open_card(con, load_key(settings.secret_key, settings.key_path), card["iccid"])
    present = {k: v for k, v in secrets.items() if k in SECRET_COLUMNS and v is not None}
    if reveal and present:
        _record_reveal(con, settings, card, actor, sorted(present))
    card["secrets"] = present if reveal else {k: mask_value(v) for k, v in present.items()}
    card["history"] = history(con, card["iccid"])
    return card


def _record_reveal(con: duckdb.DuckDBPyConnection, settings: Settings, card: dict[str, Any], actor: Actor,
                   columns: list[str]) -> None:
    """A reveal is a change-history row: who saw which secrets of which card, and when."""
    con.begin()
    try:
        con.execute(
            """
            insert into card_history by name
            select coalesce((select max(seq) from card_history), 0) + 1 as seq, $now as changed_at, c.iccid,
                'reveal' as action, c.status as old_status, c.status as new_status,
                json_object('revealed', $columns) as changes, c.imsi, c.sim_type, c.managed_by, c.msisdn,
                c.account_id, c.customer, c.distributor, c.representative, c.custom,
                c.activated_at is not null as is_activated, false as is_deleted,
                'sim-pipeline show --reveal' as source_file, null as source_line, $actor as actor, null as reason
            from cards as c where c.iccid = $iccid
            """,
            {"now": settings.now(), "columns": columns, "actor": actor.label, "iccid": card["iccid"]},
        ).fetchall()
        con.commit()
    except Exception:
        con.rollback()
        raise
