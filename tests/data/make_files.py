"""Write the small corpus of good and bad input files used by the loading tests (deterministic)."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
BAD, GOOD = HERE / "bad", HERE / "good"


def main() -> None:
    BAD.mkdir(exist_ok=True)
    GOOD.mkdir(exist_ok=True)
    bad = {
        "empty.csv": b"",
        "whitespace_only.csv": b"  \n\n \n",
        "binary_garbage.csv": bytes(range(256)) * 8,
        "header_only.csv": b"age,sex,income\n",
        "duplicate_columns.csv": b"id,score,score\n1,2,3\n4,5,6\n",
        "ragged_rows.csv": b"a,b,c\n1,2,3\n4,5,6,7,8\n9,10,11\n",
        "unnamed_column.csv": b"a,,c\n1,2,3\n4,5,6\n",
        "renamed_excel.csv": _fake_xlsx(),
        "truncated.parquet": b"PAR1" + b"\x00" * 40,
        "corrupt.csv.gz": b"\x1f\x8b\x08\x00" + b"\xff" * 64,
    }
    for name, data in bad.items():
        (BAD / name).write_bytes(data)
    people = "name;sex;city;income\n" + "José;Female;Málaga;>50K\nRenée;Male;Zürich;<=50K\n" * 20
    good = {
        "latin1_semicolon.csv": people.encode("latin-1"),
        "utf8_bom.csv": "\ufeff".encode() + people.replace(";", ",").encode(),
        "tab_separated.tsv": people.replace(";", "\t").encode(),
        "quoted_newlines.csv": b'id,comment,sex\n1,"line one\nline two",Female\n2,"plain",Male\n',
        "gzipped.csv.gz": gzip.compress(people.replace(";", ",").encode(), mtime=0),
        "all_missing_column.csv": b"sex,empty,income\nFemale,,>50K\nMale,,<=50K\nFemale,,<=50K\n",
    }
    for name, data in good.items():
        (GOOD / name).write_bytes(data)


def _fake_xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", (2020, 1, 1, 0, 0, 0)), "<Types/>")
    return buffer.getvalue()


if __name__ == "__main__":
    main()
