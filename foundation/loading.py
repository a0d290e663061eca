"""Read untrusted CSV and Parquet bytes into a DataFrame, or refuse with one clear sentence."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from fairsynth.foundation.csv_types import NA_VALUES, type_text_frame
from fairsynth.foundation.errors import InvalidInputError

MAX_UPLOAD_MB = 200
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
# A decompressed CSV is held to the same limit as a plain one: past it, a decompression bomb.
MAX_DECOMPRESSED_BYTES = MAX_UPLOAD_BYTES
MAX_COLUMNS = 2_000
# Parquet compresses a constant column to almost nothing: its declared size (rows x columns)
# is checked before reading, so a few kB cannot expand into gigabytes of memory.
MAX_CELLS = 100_000_000
SUPPORTED_FORMATS = "CSV (any common delimiter; UTF-8, UTF-16 with BOM or Latin-1), gzipped CSV, or Parquet"
DELIMITERS = ",;\t|"
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
# Byte-order marks of the UTF-16/32 encodings (Excel's "Unicode text"); UTF-32 first, it starts like UTF-16.
WIDE_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
             (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
__all__ = ["MAX_UPLOAD_BYTES", "NA_VALUES", "LoadedTable", "load_table"]


@dataclass(frozen=True)
class LoadedTable:
    """A table read from a file or upload, with what was detected about it."""

    frame: pd.DataFrame
    name: str
    sha256: str
    n_bytes: int
    file_format: str
    encoding: str | None = None
    delimiter: str | None = None


def load_table(source: str | Path | bytes, *, name: str | None = None) -> LoadedTable:
    """Load a CSV or Parquet table from a path or raw bytes, validating it as untrusted input."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        if not path.is_file():
            raise InvalidInputError(f"{name}: no such file.")
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            raise InvalidInputError(
                f"{name}: {size / 1e6:.0f} MB is over the {MAX_UPLOAD_MB} MB limit for loading into memory."
            )
        data = path.read_bytes()
    else:
        data = bytes(source)
        name = name or "upload"
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidInputError(
                f"{name}: {len(data) / 1e6:.0f} MB is over the {MAX_UPLOAD_MB} MB upload limit."
            )
    digest = hashlib.sha256(data).hexdigest()
    frame, fmt, encoding, delimiter = _parse_bytes(data, name)
    _check_frame(frame, name)
    return LoadedTable(frame, name, digest, len(data), fmt, encoding, delimiter)


def _parse_bytes(data: bytes, name: str) -> tuple[pd.DataFrame, str, str | None, str | None]:
    if not data.strip():
        raise InvalidInputError(f"{name}: the file is empty.")
    if data[:4] == b"PAR1":
        return _read_parquet(data, name), "parquet", None, None
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, name)
        if not data.strip():
            raise InvalidInputError(f"{name}: the compressed file is empty.")
    if data[:4] == b"PK\x03\x04":
        raise InvalidInputError(
            f"{name}: this is a ZIP or Excel (.xlsx) file, not a table FairSynth reads. "
            f"Save it as {SUPPORTED_FORMATS}."
        )
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise InvalidInputError(f"{name}: this is an old Excel (.xls) file. Save it as CSV.")
    wide = _wide_text(data, name)
    if wide is not None:
        text, encoding = wide
    elif b"\x00" in data:
        raise InvalidInputError(
            f"{name}: the file holds binary data, not text. Expected {SUPPORTED_FORMATS}."
        )
    else:
        text, encoding = _decode(data)
    # A second BOM (two files glued together) would otherwise stick to the first column's name.
    text = text.lstrip("\ufeff")
    delimiter = _sniff_delimiter(text)
    _check_header(text, delimiter, name)
    try:
        # Every cell as text: the column types are FairSynth's rule (foundation/csv_types.py),
        # the one DuckDB and Spark apply too, not pandas' own inference.
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            na_values=NA_VALUES,
            keep_default_na=False,
            skipinitialspace=True,
            low_memory=False,
        )
    except pd.errors.ParserError as exc:
        raise InvalidInputError(f"{name}: the CSV is malformed ({_first_line(exc)}).") from exc
    except (ValueError, UnicodeError, csv.Error) as exc:
        raise InvalidInputError(f"{name}: the CSV could not be read ({_first_line(exc)}).") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return type_text_frame(frame)[0], "csv", encoding.replace("-sig", ""), delimiter


def _read_parquet(data: bytes, name: str) -> pd.DataFrame:
    # Everything is checked on the footer's metadata before a single column is read.
    try:
        source = pq.ParquetFile(io.BytesIO(data))
        schema = source.schema_arrow
        n_rows = source.metadata.num_rows
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InvalidInputError(f"{name}: not a readable Parquet file ({_first_line(exc)}).") from exc
    nested = [f.name for f in schema if pa.types.is_nested(f.type)]
    if nested:
        raise InvalidInputError(
            f"{name}: nested columns ({', '.join(nested[:5])}) are not supported; flatten them first."
        )
    _check_names([f.name for f in schema], name)
    cells = n_rows * max(len(schema), 1)
    if cells > MAX_CELLS:
        raise InvalidInputError(
            f"{name}: {n_rows:,} rows x {len(schema):,} columns is over the limit of "
            f"{MAX_CELLS:,} cells for loading into memory."
        )
    # Text straight to category: an object column of Python strings costs ~5x the memory and a
    # second pass (factorising) in every engine; the dictionary Parquet already holds is the coding.
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    try:
        table = pq.read_table(io.BytesIO(data), read_dictionary=text)
        frame = table.to_pandas(self_destruct=True)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InvalidInputError(f"{name}: not a readable Parquet file ({_first_line(exc)}).") from exc
    del table
    return _sorted_categories(frame)


def _sorted_categories(frame: pd.DataFrame) -> pd.DataFrame:
    # Parquet's dictionary is in order of first appearance; sorted categories make every order
    # (factorize(sort=True), sort_values, groupby, value_counts ties) the one the text would give.
    for col in frame.columns:
        values = frame[col]
        if isinstance(values.dtype, pd.CategoricalDtype):
            categories = values.cat.categories
            if not categories.is_monotonic_increasing:
                frame[col] = values.cat.reorder_categories(categories.sort_values())
    return frame


def _gunzip(data: bytes, name: str) -> bytes:
    # Decompress in bounded steps so a small bomb cannot exhaust memory.
    out = io.BytesIO()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out.write(inflater.decompress(data, MAX_DECOMPRESSED_BYTES + 1))
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise InvalidInputError(f"{name}: the gzip data is corrupt ({exc}).") from exc
    if out.tell() > MAX_DECOMPRESSED_BYTES or inflater.unconsumed_tail:
        raise InvalidInputError(
            f"{name}: decompresses to more than {MAX_DECOMPRESSED_BYTES // 2**20} MB; refused."
        )
    if not inflater.eof:
        raise InvalidInputError(f"{name}: the gzip data is cut short; the file is incomplete.")
    return out.getvalue()


def _wide_text(data: bytes, name: str) -> tuple[str, str] | None:
    # UTF-16/32 text is full of NUL bytes; only its BOM tells it from binary data.
    for bom, encoding in WIDE_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise InvalidInputError(
                    f"{name}: starts like {encoding.upper()} text but is not valid {encoding.upper()}."
                ) from exc
    return None


def _decode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        pass
    mixed = _decode_mixed(data)
    if mixed is not None:
        return mixed, "mixed utf-8/cp1252"
    for encoding in ENCODINGS[1:]:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def _decode_mixed(data: bytes) -> str | None:
    """Decode line by line when some lines are UTF-8 and others Windows-1252 (glued exports)."""
    lines = data.split(b"\n")
    utf8 = [None if line.isascii() else _utf8_or_none(line) for line in lines]
    if not any(u is not None for u in utf8):
        return None  # no line needs UTF-8: the whole file is one single-byte encoding
    decoded = [line.decode("ascii") if line.isascii() else
               (u if u is not None else line.decode("cp1252", errors="replace"))
               for line, u in zip(lines, utf8, strict=True)]
    return "\n".join(decoded).removeprefix("\ufeff")


def _utf8_or_none(line: bytes) -> str | None:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text[:65536].splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _check_header(text: str, delimiter: str, name: str) -> None:
    try:
        header = next(csv.reader(io.StringIO(text[:1_000_000]), delimiter=delimiter))
    except StopIteration as exc:
        raise InvalidInputError(f"{name}: no header row could be read.") from exc
    except csv.Error as exc:
        raise InvalidInputError(f"{name}: no header row could be read ({_first_line(exc)}).") from exc
    _check_names([h.strip() for h in header], name)


def _check_names(names: list[str], name: str) -> None:
    if len(names) > MAX_COLUMNS:
        raise InvalidInputError(f"{name}: {len(names)} columns is over the limit of {MAX_COLUMNS}.")
    dupes = [f"'{c}' ({n}x)" for c, n in Counter(names).items() if n > 1]
    if dupes:
        raise InvalidInputError(
            f"{name}: duplicate column names {', '.join(dupes)}; give every column a unique name."
        )


def _check_frame(frame: pd.DataFrame, name: str) -> None:
    if frame.shape[1] == 0:
        raise InvalidInputError(f"{name}: no columns were found.")
    if len(frame) == 0:
        raise InvalidInputError(f"{name}: the file has a header but no data rows.")
    blank = [str(c) for c in frame.columns if str(c).startswith("Unnamed: ")]
    if blank:
        raise InvalidInputError(f"{name}: some columns have no name ({len(blank)}); name them all.")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
