"""Realistic upload and batch files of any size, for the benchmark (bench/run.py) and by hand.

An upload: ICCID (19 digits, 89-prefixed, valid Luhn digit), IMSI (15 digits), PIN1, PUK1, PIN2, PUK2,
KI and OPC (32 hex), an eSIM activation code on 20% of the cards, and a `Marketplace custom` column.
Card n (0-based, counted from --first) always gets the same ICCID and IMSI, so files generated with
--first 0 and --first 1000000 hold disjoint cards, and a batch can name a range of cards ingested
earlier. `--dirty` spoils 1% of the rows, in DIRTY_KINDS ways, every one a per-row problem that the
rejection report must name.

    python bench/generate.py upload --rows 1000000 --first 1000000 --out bench/out/upload-1m.csv
    python bench/generate.py upload --rows 1000000 --first 1000000 --dirty --out bench/out/dirty-1m.csv
    python bench/generate.py batch --first 5000000 --count 100000 --out bench/out/allocate.csv

Vectorised with polars, written in blocks of BLOCK rows (10M rows: about 20 s, memory bounded by a block).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import polars as pl
import pyarrow as pa

BLOCK = 1_000_000
ICCID_BODY = 894910_000000000000  # 89 telecom, 49 Germany, issuer 10, 12-digit serial (+ Luhn = 19 digits)
IMSI_BASE = 262_01_0000000000  # MCC 262, MNC 01, 10-digit MSIN: 15 digits
MARKETPLACES = ["Amazon", "eBay", "Retail", "Direct", None]
HEADER = ["ICCID", "IMSI", "PIN1", "PUK1", "PIN2", "PUK2", "KI", "OPC", "eSIM activation code",
          "Marketplace custom"]
PLAIN_COLUMNS = ["ICCID", "IMSI", "Marketplace custom"]

# How a dirty row is spoiled: (name, problems it causes in the rejection report).
DIRTY_KINDS = [
    ("iccid_scientific", 1),     # 8.000012345E+18: a spreadsheet ate the digits
    ("imsi_letter", 1),          # 26201X000123456: a typo (and still unique)
    ("pin_letter", 1),           # 12a4
    ("ki_short", 1),             # 31 hex characters
    ("iccid_space", 1),          # a blank inside the ICCID
    ("imsi_missing", 1),         # empty mandatory cell
    ("iccid_duplicate", 2),      # the previous row's ICCID: both rows are reported
    ("imsi_duplicate", 2),       # the previous row's IMSI: both rows are reported
    ("puk_short", 1),            # 7 digits
    ("activation_code_bad", 1),  # no matching id
    ("opc_not_hex", 1),          # a Z among the hex
    ("iccid_in_inventory", 1),   # a card ingested before (card n - first); only with --first > 0
]


def iccid_expr(serial: pl.Expr) -> pl.Expr:
    """The 19-digit ICCID of card `serial`: body plus its Luhn check digit (ITU-T E.118)."""
    body = pl.lit(ICCID_BODY, pl.Int64) + serial
    total = pl.lit(0, pl.Int64)
    for k in range(18):  # k = position in the body from the right; the check digit will sit right of it
        d = (body // (10 ** k)) % 10
        total = total + (pl.when(d * 2 > 9).then(d * 2 - 9).otherwise(d * 2) if k % 2 == 0 else d)
    check = (10 - total % 10) % 10
    return body.cast(pl.String) + check.cast(pl.String)


def imsi_expr(serial: pl.Expr) -> pl.Expr:
    return (pl.lit(IMSI_BASE, pl.Int64) + serial).cast(pl.String)


def _random_binary(rng: random.Random, rows: int, width: int) -> pl.Series:
    buf = rng.randbytes(rows * width)
    arr = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), rows, [None, pa.py_buffer(buf)])
    return pl.from_arrow(arr).cast(pl.Binary)


def _random_u64(rng: random.Random, rows: int) -> pl.Series:
    return _random_binary(rng, rows, 8).bin.reinterpret(dtype=pl.UInt64)


def _hex(series: pl.Series) -> pl.Series:
    return series.bin.encode("hex").str.to_uppercase()


def upload_block(first: int, start: int, rows: int, rng: random.Random) -> pl.DataFrame:
    """Rows start..start+rows-1 of an upload whose first card is `first` (clean)."""
    serial = pl.int_range(first + start, first + start + rows, dtype=pl.Int64, eager=True)
    r = [_random_u64(rng, rows) for _ in range(5)]
    frame = pl.DataFrame({"n": serial, "r0": r[0], "r1": r[1], "r2": r[2], "r3": r[3], "r4": r[4],
                          "KI": _hex(_random_binary(rng, rows, 16)), "OPC": _hex(_random_binary(rng, rows, 16))})
    esim = pl.col("r4") % 5 == 0
    matching_id = pl.col("r4").cast(pl.String).str.slice(0, 5) + "-" + pl.col("r3").cast(pl.String).str.slice(0, 5)
    return frame.select(
        iccid_expr(pl.col("n")).alias("ICCID"),
        imsi_expr(pl.col("n")).alias("IMSI"),
        (pl.col("r0") % 10_000).cast(pl.String).str.zfill(4).alias("PIN1"),
        (pl.col("r1") % 100_000_000).cast(pl.String).str.zfill(8).alias("PUK1"),
        ((pl.col("r0") // 10_000) % 10_000).cast(pl.String).str.zfill(4).alias("PIN2"),
        ((pl.col("r1") // 100_000_000) % 100_000_000).cast(pl.String).str.zfill(8).alias("PUK2"),
        "KI",
        "OPC",
        pl.when(esim).then(pl.lit("LPA:1$smdp.example.com$") + matching_id).alias("eSIM activation code"),
        pl.col("r2").mod(len(MARKETPLACES)).replace_strict(
            list(range(len(MARKETPLACES))), MARKETPLACES, return_dtype=pl.String).alias("Marketplace custom"),
    )


def spoil(block: pl.DataFrame, first: int, start: int, rng: random.Random) -> tuple[pl.DataFrame, dict[str, int]]:
    """1% of the rows spoiled (never the first row of a block: duplicates copy the row before)."""
    rows = block.height
    pick = _random_u64(rng, rows)
    kinds = [k for k, _ in DIRTY_KINDS if first > 0 or k != "iccid_in_inventory"]
    frame = block.with_columns(
        pl.Series("pick", pick),
        prev_iccid=pl.col("ICCID").shift(1),
        prev_imsi=pl.col("IMSI").shift(1),
        taken_iccid=iccid_expr(pl.int_range(start, start + rows, dtype=pl.Int64)),
        i=pl.int_range(0, rows, dtype=pl.Int64),
    )
    # A dirty row never follows a dirty row, so each duplicate pairs with a clean row.
    dirty = (pl.col("pick") % 100 == 0) & (pl.col("i") > 0) & ~(pl.col("pick").shift(1) % 100 == 0).fill_null(False)
    kind = pl.when(dirty).then((pl.col("pick") // 100) % len(kinds)).otherwise(-1)
    frame = frame.with_columns(kind=kind)

    def when(name: str, then: pl.Expr, column: str) -> pl.Expr:
        return pl.when(pl.col("kind") == kinds.index(name)).then(then).otherwise(pl.col(column)).alias(column)

    iccid = pl.col("ICCID")
    taken = kinds.index("iccid_in_inventory") if "iccid_in_inventory" in kinds else -2
    frame = frame.with_columns(
        pl.when(pl.col("kind") == kinds.index("iccid_scientific"))
        .then(iccid.str.slice(0, 1) + "." + iccid.str.slice(9, 9) + "E+18")
        .when(pl.col("kind") == kinds.index("iccid_space")).then(iccid.str.slice(0, 4) + " " + iccid.str.slice(4))
        .when(pl.col("kind") == kinds.index("iccid_duplicate")).then(pl.col("prev_iccid"))
        .when(pl.col("kind") == taken).then(pl.col("taken_iccid"))
        .otherwise(iccid).alias("ICCID"),
        pl.when(pl.col("kind") == kinds.index("imsi_letter")).then(pl.col("IMSI").str.slice(0, 5) + "X" + pl.col("IMSI").str.slice(6))
        .when(pl.col("kind") == kinds.index("imsi_missing")).then(pl.lit(None, pl.String))
        .when(pl.col("kind") == kinds.index("imsi_duplicate")).then(pl.col("prev_imsi"))
        .otherwise(pl.col("IMSI")).alias("IMSI"),
        when("pin_letter", pl.col("PIN1").str.slice(0, 2) + "a" + pl.col("PIN1").str.slice(3), "PIN1"),
        when("ki_short", pl.col("KI").str.slice(0, 31), "KI"),
        when("puk_short", pl.col("PUK1").str.slice(0, 7), "PUK1"),
        when("activation_code_bad", pl.lit("1$SMDP.EXAMPLE.COM"), "eSIM activation code"),
        when("opc_not_hex", pl.lit("Z") + pl.col("OPC").str.slice(1), "OPC"),
    )
    counts = frame.filter(pl.col("kind") >= 0).group_by("kind").len()
    tally = {kinds[k]: n for k, n in counts.iter_rows()}
    return frame.select(HEADER), tally


def write_upload(out: Path, rows: int, first: int = 0, seed: int = 2026, dirty: bool = False,
                 secrets: bool = True) -> dict:
    """Write an upload of `rows` cards starting at card `first`. Returns a summary (bad rows by kind).

    `secrets=False` leaves out the secret columns (PIN, PUK, KI, OPC, activation code): the same cards
    without anything to encrypt, to see what sealing costs.
    """
    rng = random.Random(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    tally: dict[str, int] = {}
    with out.open("wb") as fh:
        for start in range(0, rows, BLOCK):
            block = upload_block(first, start, min(BLOCK, rows - start), rng)
            if dirty:
                block, found = spoil(block, first, start, rng)
                for k, n in found.items():
                    tally[k] = tally.get(k, 0) + n
            if not secrets:
                block = block.select(PLAIN_COLUMNS)
            block.write_csv(fh, include_header=start == 0)
    problems = sum(n * dict(DIRTY_KINDS)[k] for k, n in tally.items())
    return {"file": str(out), "rows": rows, "first": first, "dirty_rows": sum(tally.values()),
            "expected_problems": problems, "dirty_kinds": tally}


def write_batch(out: Path, first: int, count: int, distributor: str = "Bench Distributor",
                customer: str | None = None) -> dict:
    """An allocation batch: one row allocating cards first..first+count-1 (an ICCID range) to a distributor
    (no status changes), or to a customer (Available -> Reserved: a SIMCard/StatusChanged event per card)."""
    ends = pl.DataFrame({"n": [first, first + count - 1]}).select(iccid_expr(pl.col("n")).alias("ICCID"))["ICCID"].to_list()
    out.parent.mkdir(parents=True, exist_ok=True)
    to = {"customer": [customer]} if customer else {"distributor": [distributor]}
    pl.DataFrame({"action": ["allocate"], "iccid_from": [ends[0]], "iccid_to": [ends[1]], **to}).write_csv(out)
    return {"file": str(out), "rows": 1, "cards": count, "iccid_from": ends[0], "iccid_to": ends[1]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="kind", required=True)
    up = sub.add_parser("upload", help="an MNO upload file")
    up.add_argument("--rows", type=int, required=True)
    up.add_argument("--first", type=int, default=0, help="number of the first card (disjoint files: disjoint ranges)")
    up.add_argument("--seed", type=int, default=2026)
    up.add_argument("--dirty", action="store_true", help="spoil 1%% of the rows")
    up.add_argument("--no-secrets", action="store_true", help="leave out the secret columns")
    up.add_argument("--out", type=Path, required=True)
    batch = sub.add_parser("batch", help="an allocation batch over an ICCID range")
    batch.add_argument("--first", type=int, required=True)
    batch.add_argument("--count", type=int, required=True)
    batch.add_argument("--customer", help="allocate to this customer (Reserved, events) instead of a distributor")
    batch.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.kind == "upload":
        summary = write_upload(args.out, args.rows, args.first, args.seed, args.dirty, secrets=not args.no_secrets)
    else:
        summary = write_batch(args.out, args.first, args.count, customer=args.customer)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
