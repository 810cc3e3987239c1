"""`list --csv` and `list --xlsx`: the inventory's cards as a file that uploads again.

Columns, in this order:
- the card columns under their upload-file names (ICCID, IMSI, SIM type, Managed by, Description, HLR, AMF),
  so `ingest` takes the file as it is;
- each custom field as its own `<Name> custom` column (the upload header), every defined field, empty
  when a card has no value;
- the inventory's state, which the upload does not take (status, msisdn, account_id, customer,
  distributor, representative): machine names, as before.
Never a secret column (SECRET_COLUMNS are not selected). ICCIDs and IMSIs stay plain digits in the CSV
(a machine format); the XLSX writes ICCID, IMSI and MSISDN as text cells, which a spreadsheet would
otherwise round to 15 significant digits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from schemas.vocabulary import CUSTOM_SUFFIX, DISPLAY_NAMES, SECRET_COLUMNS

CARD_COLUMNS = ("iccid", "imsi", "sim_type", "managed_by", "description", "hlr", "amf")
STATE_COLUMNS = ("status", "msisdn", "account_id", "customer", "distributor", "representative")
TEXT_CELLS = ("iccid", "imsi", "msisdn")
assert not set(CARD_COLUMNS + STATE_COLUMNS) & set(SECRET_COLUMNS)


def export_columns(custom_fields: list[str]) -> list[tuple[str, str]]:
    """(header, key in export_row's dict) in file order."""
    return ([(DISPLAY_NAMES[c], c) for c in CARD_COLUMNS]
            + [(f"{name}{CUSTOM_SUFFIX}", f"custom:{name}") for name in custom_fields]
            + [(c, c) for c in STATE_COLUMNS])


def export_row(card: dict[str, Any]) -> dict[str, Any]:
    row = {c: card.get(c) for c in CARD_COLUMNS + STATE_COLUMNS}
    row.update({f"custom:{k}": v for k, v in (card.get("custom") or {}).items()})
    return row


def write_xlsx(path: Path, cards: list[dict[str, Any]], custom_fields: list[str]) -> None:
    """The same rows as the CSV in one sheet "Cards": every cell text, the header frozen, an autofilter."""
    import xlsxwriter

    columns = export_columns(custom_fields)
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    sheet = book.add_worksheet("Cards")
    head = book.add_format({"bold": True, "bottom": 1})
    text = book.add_format({"num_format": "@"})
    widths = [len(h) for h, _k in columns]
    for c, (header, _key) in enumerate(columns):
        sheet.write_string(0, c, header, head)
    for r, card in enumerate(cards, start=1):
        row = export_row(card)
        for c, (_header, key) in enumerate(columns):
            value = row.get(key)
            if value is None or value == "":
                continue
            value = str(value)
            widths[c] = max(widths[c], len(value))
            sheet.write_string(r, c, value, text if key in TEXT_CELLS else None)
    for c, width in enumerate(widths):
        sheet.set_column(c, c, min(width + 2, 60))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(cards), 1), len(columns) - 1)
    book.close()
