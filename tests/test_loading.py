"""Loading untrusted files: good files in every common shape load, bad files get one clear sentence."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

import fairsynth.foundation.loading as loading
from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.loading import load_table

DATA = Path(__file__).parent / "data"
BAD_REASONS = {
    "empty.csv": "empty",
    "whitespace_only.csv": "empty",
    "binary_garbage.csv": "binary",
    "header_only.csv": "no data rows",
    "duplicate_columns.csv": "duplicate column names 'score'",
    "ragged_rows.csv": "malformed",
    "unnamed_column.csv": "no name",
    "renamed_excel.csv": "Excel",
    "truncated.parquet": "Parquet",
    "corrupt.csv.gz": "gzip",
}


@pytest.mark.parametrize("name", sorted(BAD_REASONS))
def test_bad_file_gets_one_line_reason(name):
    with pytest.raises(InvalidInputError) as info:
        load_table(DATA / "bad" / name)
    message = str(info.value)
    assert BAD_REASONS[name] in message
    assert "\n" not in message and message.startswith(name)


def test_bad_corpus_is_fully_covered():
    assert {p.name for p in (DATA / "bad").iterdir()} == set(BAD_REASONS)


@pytest.mark.parametrize("name, encoding, delimiter", [
    ("latin1_semicolon.csv", "cp1252", ";"),
    ("utf8_bom.csv", "utf-8", ","),
    ("tab_separated.tsv", "utf-8", "\t"),
    ("gzipped.csv.gz", "utf-8", ","),
])
def test_encodings_and_delimiters_are_detected(name, encoding, delimiter):
    table = load_table(DATA / "good" / name)
    assert (table.encoding, table.delimiter) == (encoding, delimiter)
    assert list(table.frame.columns) == ["name", "sex", "city", "income"]
    assert len(table.frame) == 40
    assert table.frame["name"].iloc[0] == "José" and table.frame["city"].iloc[1] == "Zürich"


def test_quoted_newlines_stay_inside_their_cell():
    frame = load_table(DATA / "good" / "quoted_newlines.csv").frame
    assert len(frame) == 2
    assert frame.loc[0, "comment"] == "line one\nline two"


def test_bytes_and_path_give_the_same_table_and_hash():
    path = DATA / "good" / "latin1_semicolon.csv"
    from_path = load_table(path)
    from_bytes = load_table(path.read_bytes(), name="x.csv")
    pd.testing.assert_frame_equal(from_path.frame, from_bytes.frame)
    assert from_path.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() == from_bytes.sha256


def test_parquet_sample_round_trips(adult_real):
    table = load_table(Path(__file__).parents[1] / "sample_data" / "adult.parquet")
    assert table.file_format == "parquet"
    # Text arrives as category (read straight from Parquet's dictionary), values unchanged.
    text = [c for c in adult_real.columns if adult_real[c].dtype == object]
    assert text and all(isinstance(table.frame[c].dtype, pd.CategoricalDtype) for c in text)
    as_text, expected = table.frame.astype(adult_real.dtypes.to_dict()), adult_real.copy()
    for frame in (as_text, expected):
        frame[text] = frame[text].where(frame[text].notna(), None)  # one spelling of missing
    pd.testing.assert_frame_equal(as_text, expected)


def test_parquet_text_is_category_in_sorted_order_with_missing_kept(tmp_path):
    # Setup: a dictionary in order of first appearance ("b" first), one missing cell.
    path = tmp_path / "t.parquet"
    pd.DataFrame({"g": ["b", "a", None, "c", "a"], "n": [1, 2, 3, 4, 5]}).to_parquet(path)
    # Run
    frame = load_table(path).frame
    # Assert
    assert list(frame["g"].cat.categories) == ["a", "b", "c"]
    assert frame["g"].isna().tolist() == [False, False, True, False, False]
    assert frame["g"].astype(object).tolist()[:2] == ["b", "a"]
    assert frame["n"].dtype == "int64"


def test_parquet_text_with_wide_codes_keeps_every_value_when_sorted(tmp_path):
    # Setup: 300 distinct values (16-bit category codes) first seen in reverse order, missing cells.
    values = [None if i % 7 == 0 else f"v{300 - i % 300:03d}" for i in range(3000)]
    path = tmp_path / "wide.parquet"
    pd.DataFrame({"g": values}).to_parquet(path)
    # Run
    frame = load_table(path).frame
    # Assert: sorted categories, 16-bit codes, every value (and every missing one) in its row.
    assert frame["g"].cat.codes.dtype == "int16"
    assert list(frame["g"].cat.categories) == sorted({v for v in values if v is not None})
    assert frame["g"].astype(object).where(frame["g"].notna(), None).tolist() == values


def test_parquet_row_groups_with_their_own_dictionaries_read_as_one_sorted_category(tmp_path):
    # Setup: three row groups, each with its own dictionary (different values, different first
    # appearances), accented and non-Latin text whose code point order is not its locale's order.
    import pyarrow as pa
    import pyarrow.parquet as pq

    values = ["zèbre", "Zoo", None, "ábaco", "abc", "Ärger", "日本", "abc", "Zoo", "éclair", "b"]
    path = tmp_path / "groups.parquet"
    pq.write_table(pa.table({"word": values, "n": list(range(len(values)))}), path, row_group_size=4)
    assert pq.ParquetFile(path).num_row_groups == 3
    # Run
    frame = load_table(path).frame
    # Assert: Python's own order of the distinct values, every value in its row, missing kept.
    assert list(frame["word"].cat.categories) == sorted({v for v in values if v is not None})
    assert frame["word"].astype(object).where(frame["word"].notna(), None).tolist() == values
    assert frame["n"].tolist() == list(range(len(values)))


def test_upload_over_the_cap_is_refused(monkeypatch):
    monkeypatch.setattr(loading, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(InvalidInputError, match="over the .* limit"):
        load_table(b"a,b\n" + b"1,2\n" * 50, name="big.csv")


def test_gzip_bomb_is_refused(monkeypatch):
    import gzip

    monkeypatch.setattr(loading, "MAX_DECOMPRESSED_BYTES", 10_000)
    bomb = gzip.compress(b"a,b\n" + b"1,2\n" * 100_000)
    with pytest.raises(InvalidInputError, match="decompresses to more than"):
        load_table(bomb, name="bomb.csv.gz")


def test_missing_file_is_one_sentence():
    with pytest.raises(InvalidInputError, match="no such file"):
        load_table(DATA / "nope.csv")


def test_question_mark_and_blank_are_missing():
    frame = load_table(b"a,b\n1,?\n2,\n3,x\n", name="m.csv").frame
    assert frame["b"].isna().tolist() == [True, True, False]
