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

from governance.errors import InvalidInputError

MAX_UPLOAD_MB = 200
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
# A gzip file may expand; past this many bytes it is treated as a decompression bomb.
MAX_DECOMPRESSED_BYTES = 4 * MAX_UPLOAD_BYTES
MAX_COLUMNS = 2_000
SUPPORTED_FORMATS = "CSV (any common delimiter, UTF-8 or Latin-1), gzipped CSV, or Parquet"
DELIMITERS = ",;\t|"
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
# Text that means "missing" in the wild (Adult writes '?').
NA_VALUES = ["", "?", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A"]


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
    if b"\x00" in data[:65536]:
        raise InvalidInputError(
            f"{name}: the file holds binary data, not text. Expected {SUPPORTED_FORMATS}."
        )
    text, encoding = _decode(data)
    delimiter = _sniff_delimiter(text)
    _check_header(text, delimiter, name)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            na_values=NA_VALUES,
            keep_default_na=False,
            skipinitialspace=True,
            low_memory=False,
        )
    except pd.errors.ParserError as exc:
        raise InvalidInputError(f"{name}: the CSV is malformed ({_first_line(exc)}).") from exc
    except (ValueError, UnicodeError, csv.Error) as exc:
        raise InvalidInputError(f"{name}: the CSV could not be read ({_first_line(exc)}).") from exc
    return _strip_text(frame), "csv", encoding.replace("-sig", ""), delimiter


def _read_parquet(data: bytes, name: str) -> pd.DataFrame:
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InvalidInputError(f"{name}: not a readable Parquet file ({_first_line(exc)}).") from exc
    nested = [f.name for f in table.schema if pa.types.is_nested(f.type)]
    if nested:
        raise InvalidInputError(
            f"{name}: nested columns ({', '.join(nested[:5])}) are not supported; flatten them first."
        )
    _check_names([f.name for f in table.schema], name)
    return table.to_pandas()


def _gunzip(data: bytes, name: str) -> bytes:
    # Decompress in bounded steps so a small bomb cannot exhaust memory.
    out = io.BytesIO()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        chunk = inflater.decompress(data, MAX_DECOMPRESSED_BYTES + 1)
        out.write(chunk)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise InvalidInputError(f"{name}: the gzip data is corrupt ({exc}).") from exc
    if out.tell() > MAX_DECOMPRESSED_BYTES or inflater.unconsumed_tail:
        raise InvalidInputError(
            f"{name}: decompresses to more than {MAX_DECOMPRESSED_BYTES // 2**20} MB; refused."
        )
    return out.getvalue()


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


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
    except (StopIteration, csv.Error) as exc:
        raise InvalidInputError(f"{name}: no header row could be read.") from exc
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


def _strip_text(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = [str(c).strip() for c in frame.columns]
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].str.strip() if _all_text(frame[col]) else frame[col]
    return frame


def _all_text(series: pd.Series) -> bool:
    return bool(series.dropna().map(type).eq(str).all())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
