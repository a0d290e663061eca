"""Write the hostile-input corpus: broken, odd and malicious tables the loader must survive.

`python scripts/make_bad_corpus.py OUT_DIR [--small]` writes every case (deterministic bytes);
with --small only the cases under SMALL_BYTES (the ones committed in tests/data/hostile/).
The large ones (a million distinct values, decompression bombs) are written at test time into
a temporary folder, never committed. Each case says what it is, the roles to audit it with,
and what FairSynth should do: load it (maybe with a warning) or refuse it with a reason.
"""

from __future__ import annotations

import gzip
import io
import struct
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

SMALL_BYTES = 300_000
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Case:
    """One corpus file: how to write it, how to audit it and what should happen."""

    name: str
    what: str
    write: Callable[[Path], None]
    expect: str  # "load" or "refuse"
    reason: str  # text the refusal (or a load warning) must contain; "" when none is expected
    protected: tuple[str, ...] = ("sex",)
    target: str = "income"
    favorable: str = ">50K"
    time: str | None = None
    large: bool = False


def people(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """A small table shaped like the samples: groups, an outcome, numbers and a date."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["Female", "Male"], n)
    race = rng.choice(["White", "Black", "Asian"], n, p=[0.6, 0.3, 0.1])
    income = np.where(rng.random(n) < np.where(sex == "Male", 0.35, 0.2), ">50K", "<=50K")
    dates = pd.Timestamp("2013-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    return pd.DataFrame({
        "age": rng.integers(18, 80, n), "hours": rng.normal(40, 8, n).round(1),
        "race": race, "sex": sex, "date": dates.strftime("%Y-%m-%d"), "income": income,
    })


def csv_bytes(frame: pd.DataFrame, **kwargs) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n", **kwargs).encode()


def _bytes(data: bytes | Callable[[], bytes]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_bytes(data() if callable(data) else data)
    return write


def _truncated_in_quote() -> bytes:
    return csv_bytes(people(60)) + b'61,40.0,White,"Female,unfinished quote that never clo'


def _truncated_mid_row() -> bytes:
    data = csv_bytes(people(60))
    return data[: data.rindex(b",", 0, len(data) - 3)]  # cut inside the last row


def _ragged_short() -> bytes:
    lines = csv_bytes(people(80)).decode().splitlines()
    lines[5] = ",".join(lines[5].split(",")[:3])  # 3 of 6 fields
    lines[9] = lines[9].rsplit(",", 1)[0]
    return ("\n".join(lines) + "\n").encode()


def _ragged_long() -> bytes:
    lines = csv_bytes(people(80)).decode().splitlines()
    lines[7] += ",extra,fields"
    return ("\n".join(lines) + "\n").encode()


def _quoted_crlf() -> bytes:
    frame = people(60)
    frame["comment"] = ['line one\nline two, with "quotes"', "plain", "a;b|c\r\nd"] * 20
    return frame.to_csv(index=False, lineterminator="\r\n").encode()


def _mixed_encodings() -> bytes:
    # Two exports concatenated: the first rows UTF-8, the rest Windows-1252.
    frame = people(80)
    frame["city"] = ["Málaga", "Zürich", "Kraków", "São Paulo"] * 20
    text = frame.to_csv(index=False, lineterminator="\n")
    head, tail = text[: len(text) // 2], text[len(text) // 2:]
    return head.encode("utf-8") + tail.encode("cp1252")


def _bom(encoding: str, bom: bytes) -> Callable[[], bytes]:
    return lambda: bom + people(60).to_csv(index=False, lineterminator="\n").encode(encoding)


def _gzip_claims_2gb() -> bytes:
    data = bytearray(gzip.compress(csv_bytes(people(60)), mtime=0))
    data[-4:] = struct.pack("<I", 2**31)  # ISIZE trailer: 2 GiB uncompressed
    return bytes(data)


def _write_gzip_bomb(path: Path) -> None:
    # 300 MB of valid rows (over the 200 MB limit) in about 300 kB.
    row = b"30,40.0,White,Female,2013-01-01,<=50K\n"
    block = row * (1_000_000 // len(row))
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as out:
        out.write(b"age,hours,race,sex,date,income\n")
        for _ in range(300):
            out.write(block)


def _parquet_footer_2gb() -> bytes:
    return b"PAR1" + b"\x15\x00" * 32 + struct.pack("<I", 2**31 - 1) + b"PAR1"


def _wide_csv() -> bytes:
    header = ",".join(f"c{i}" for i in range(10_000))
    rows = "\n".join(",".join("1" for _ in range(10_000)) for _ in range(3))
    return f"{header}\n{rows}\n".encode()


def _write_wide_parquet(path: Path) -> None:
    table = pa.table({f"c{i}": pa.array([1, 2, 3], pa.int8()) for i in range(10_000)})
    pq.write_table(table, path)


def _write_million_distinct(path: Path) -> None:
    n = 1_000_000
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        "person": np.char.add("p", np.arange(n).astype(str)),
        "sex": rng.choice(["Female", "Male"], n),
        "income": rng.choice([">50K", "<=50K"], n),
    })
    frame.to_csv(path, index=False, lineterminator="\n")


def _all_missing_target() -> bytes:
    frame = people(80)
    frame["income"] = ""
    return csv_bytes(frame)


def _nan_inf() -> bytes:
    lines = csv_bytes(people(80)).decode().splitlines()
    specials = ["inf", "-inf", "NaN", "", "1e999", "-Infinity", "nan", "NA"]
    for i, value in enumerate(specials, start=1):
        fields = lines[i * 5].split(",")
        fields[1] = value
        lines[i * 5] = ",".join(fields)
    return ("\n".join(lines) + "\n").encode()


def _dates_three_formats() -> bytes:
    frame = people(90)
    stamps = pd.to_datetime(frame["date"])
    formats = ["%Y-%m-%d", "%d %b %Y", "%B %d, %Y"]
    frame["date"] = [s.strftime(formats[i % 3]) for i, s in enumerate(stamps)]
    return frame.to_csv(index=False, lineterminator="\n").encode()


def _write_nested(path: Path) -> None:
    table = pa.table({
        "sex": ["Female", "Male"] * 20,
        "income": [">50K", "<=50K"] * 20,
        "tags": pa.array([["a", "b"], ["c"]] * 20, pa.list_(pa.string())),
        "address": pa.array([{"city": "X", "zip": 1}] * 40),
    })
    pq.write_table(table, path)


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook><sheets><sheet name="data" sheetId="1"/></sheets></workbook>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet><sheetData><row><c t="inlineStr"><is><t>sex</t></is></c></row></sheetData></worksheet>',
    }
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(zipfile.ZipInfo(name, ZIP_DATE), text, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _old_xls() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def _write_zip_bomb(path: Path) -> None:
    # 1 GiB of zeros deflated to about 1 MB, named like a Parquet file.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("data.csv", ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            chunk = b"\x00" * (1 << 24)
            for _ in range(64):
                member.write(chunk)


def _write_parquet_bomb(path: Path) -> None:
    # 120 million rows of one constant: a few kB on disk, about 1 GB once in memory.
    zeros = pa.table({"x": pa.array(np.zeros(10_000_000, dtype=np.int8))})
    with pq.ParquetWriter(path, zeros.schema) as writer:
        for _ in range(12):
            writer.write_table(zeros)


def _nul_after_sniff() -> bytes:
    data = csv_bytes(people(2_000))
    cut = data.index(b"\n", 70_000) + 1
    return data[:cut] + b"30,40.0,White,Fe\x00male,2013-01-01,<=50K\n" + data[cut:]


def _huge_header_field() -> bytes:
    return b"sex," + b"x" * 200_000 + b",income\nFemale,1,>50K\nMale,2,<=50K\n"


def _hostile_text() -> bytes:
    frame = people(120)
    frame["sex"] = np.where(frame["sex"] == "Female", "=HYPERLINK(\"http://x\")",
                            "<script>alert(1)</script>")
    frame = frame.rename(columns={"race": "<img src=x onerror=alert(1)>"})
    return csv_bytes(frame)


def _lone_column() -> bytes:
    return b"income\n>50K\n<=50K\n>50K\n"


def _utf16_no_bom() -> bytes:
    return people(30).to_csv(index=False, lineterminator="\n").encode("utf-16-le")


CASES: tuple[Case, ...] = (
    Case("truncated_in_quote.csv", "CSV cut off inside a quoted field", _bytes(_truncated_in_quote),
         "refuse", "malformed"),
    Case("truncated_mid_row.csv", "CSV cut off in the middle of its last row",
         _bytes(_truncated_mid_row), "load", ""),
    Case("ragged_short_rows.csv", "rows with fewer fields than the header", _bytes(_ragged_short),
         "load", ""),
    Case("ragged_long_rows.csv", "a row with more fields than the header", _bytes(_ragged_long),
         "refuse", "malformed"),
    Case("quoted_newlines_crlf.csv", "CRLF lines; quoted cells holding newlines, quotes, delimiters",
         _bytes(_quoted_crlf), "load", ""),
    Case("mixed_encodings.csv", "first half UTF-8, second half Windows-1252",
         _bytes(_mixed_encodings), "load", ""),
    Case("bom_utf8_twice.csv", "two UTF-8 byte-order marks before the header",
         _bytes(_bom("utf-8", b"\xef\xbb\xbf\xef\xbb\xbf")), "load", ""),
    Case("bom_utf16le.csv", "UTF-16 little-endian with its BOM (Excel 'Unicode text')",
         _bytes(_bom("utf-16-le", b"\xff\xfe")), "load", ""),
    Case("bom_utf16be.csv", "UTF-16 big-endian with its BOM", _bytes(_bom("utf-16-be", b"\xfe\xff")),
         "load", ""),
    Case("utf16_no_bom.csv", "UTF-16 without a BOM", _bytes(_utf16_no_bom), "refuse", "binary"),
    Case("gzip_claims_2gb.csv.gz", "small gzip whose trailer claims 2 GiB uncompressed",
         _bytes(_gzip_claims_2gb), "refuse", "gzip data is corrupt"),
    Case("gzip_bomb.csv.gz", "300 kB gzip of 300 MB of valid rows", _write_gzip_bomb, "refuse",
         "decompresses to more than", large=True),
    Case("parquet_footer_2gb.parquet", "Parquet whose footer claims a 2 GiB metadata block",
         _bytes(_parquet_footer_2gb), "refuse", "Parquet"),
    Case("parquet_bomb.parquet", "a few kB of Parquet holding 120 million rows", _write_parquet_bomb,
         "refuse", "cells", large=True),
    Case("wide_10000_columns.csv", "10,000 columns", _bytes(_wide_csv), "refuse", "10000 columns",
         large=True),
    Case("wide_10000_columns.parquet", "10,000 columns as Parquet", _write_wide_parquet, "refuse",
         "10000 columns", large=True),
    Case("million_distinct_protected.csv", "1,000,000 distinct values in the protected column",
         _write_million_distinct, "refuse", "distinct values", protected=("person",), large=True),
    Case("all_missing_target.csv", "the target column is empty in every row",
         _bytes(_all_missing_target), "refuse", "has no values"),
    Case("nan_inf_numeric.csv", "NaN, inf, -inf, 1e999 and blanks in numeric columns",
         _bytes(_nan_inf), "load", "Infinite values"),
    Case("dates_three_formats.csv", "one date column in three formats (ISO, '05 Jan 2013', "
         "'January 05, 2013')", _bytes(_dates_three_formats), "load", "", time="date"),
    Case("nested_types.parquet", "Parquet with list and struct columns", _write_nested, "refuse",
         "nested"),
    Case("excel_renamed.xlsx.csv", "an Excel workbook renamed .csv", _bytes(_xlsx), "refuse", "Excel"),
    Case("old_excel_renamed.csv", "an old Excel (.xls) file renamed .csv", _bytes(_old_xls), "refuse",
         "old Excel"),
    Case("zip_bomb.parquet", "1 GiB of zeros zipped to 1 MB, renamed .parquet", _write_zip_bomb,
         "refuse", "ZIP", large=True),
    Case("nul_after_64k.csv", "a NUL byte 70 kB into an otherwise clean CSV", _bytes(_nul_after_sniff),
         "refuse", "binary"),
    Case("huge_header_field.csv", "a 200,000-character column name", _bytes(_huge_header_field),
         "refuse", "header"),
    Case("hostile_text.csv", "formulas and HTML in values and column names", _bytes(_hostile_text),
         "load", ""),
    Case("single_column.csv", "one column only (the target)", _bytes(_lone_column), "refuse",
         "not in both tables", protected=("sex",)),
)


def write_corpus(out: Path, *, small_only: bool = False) -> dict[str, Path]:
    """Write the corpus under `out`; returns file name -> path."""
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for case in CASES:
        if small_only and case.large:
            continue
        path = out / case.name
        case.write(path)
        written[case.name] = path
    return written


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python scripts/make_bad_corpus.py OUT_DIR [--small]")
    for name, path in write_corpus(Path(sys.argv[1]), small_only="--small" in sys.argv).items():
        print(f"{path.stat().st_size:>12,}  {name}")
