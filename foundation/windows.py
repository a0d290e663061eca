"""Bucket rows by their time value into calendar or equal-count windows; small windows are flagged or merged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from fairsynth.foundation.constants import DEFAULT_FREQ, FREQS
from fairsynth.foundation.errors import InvalidInputError, NoTimeRoleError
from fairsynth.foundation.pair import DatasetPair
from fairsynth.foundation.roles import parse_time

# The codes of FREQS, spelled out for type checkers (a Literal cannot be built from a dict).
Freq = Literal["D", "W", "M", "Q", "Y"]
Small = Literal["flag", "merge"]
WINDOW_COLUMNS = ["window", "end", "rows", "small", "merged_into"]
# 1970-01-05 was a Monday: weeks start on Mondays, as pandas' default weekly periods do.
_MONDAY_OFFSET = 4
_NS_PER_DAY = 86_400 * 10**9


def unparseable_count(times: pd.Series) -> int:
    """How many present (non-missing) time values are not dates: those rows fall outside every window."""
    present = times.notna()
    return int((present & parse_time(times).isna()).sum())


def assign_windows(
    times: pd.Series,
    *,
    freq: Freq | None = DEFAULT_FREQ,
    n_windows: int | None = None,
    min_rows: int = 30,
    small: Small = "flag",
) -> pd.Series:
    """The start (Timestamp) of each row's window; NaT where the time is missing or not a date.

    Parameters
    ----------
    times : values of the time column (datetimes or text that parses as dates).
    freq : calendar window: D, W (weeks from Monday), M, Q or Y; ignored when `n_windows` is set.
    n_windows : split into this many windows of (about) equal row counts instead; ties stay together.
    min_rows : windows with fewer rows are "small".
    small : "flag" keeps small windows (window_table marks them); "merge" joins each run of small
        windows with its neighbours until every window has `min_rows` rows (the last into the one before).

    Examples
    --------
    >>> s = pd.Series(["2013-01-05", "2013-01-20", "2013-02-03", "not a date"])
    >>> assign_windows(s, freq="M", min_rows=1).dt.strftime("%Y-%m").tolist()
    ['2013-01', '2013-01', '2013-02', nan]
    """
    starts, parsed = _raw_windows(times, freq=freq, n_windows=n_windows)
    if small == "merge":
        table = _table(starts, parsed.max(), freq=freq if n_windows is None else None,
                       min_rows=min_rows, small=small)
        mapping = table["merged_into"].fillna(table["window"])
        mapped = starts.map(pd.Series(mapping.to_numpy(), index=table["window"].to_numpy()))
        return pd.to_datetime(mapped).rename(times.name)
    if small != "flag":
        raise InvalidInputError(f"Unknown small-window handling '{small}'. Available: flag, merge.")
    return starts


def window_table(
    frame: pd.DataFrame,
    time_col: str,
    *,
    freq: Freq | None = DEFAULT_FREQ,
    n_windows: int | None = None,
    min_rows: int = 30,
    small: Small = "flag",
) -> pd.DataFrame:
    """One row per window: window (start), end (exclusive), rows, small (< min_rows), merged_into.

    Calendar windows without any row are listed with rows 0, so gaps in time are visible.
    `attrs["unparseable"]` holds how many rows have a time value that is not a date.
    """
    if time_col not in frame.columns:
        raise InvalidInputError(f"Time column '{time_col}' is not in the table.")
    if small not in ("flag", "merge"):
        raise InvalidInputError(f"Unknown small-window handling '{small}'. Available: flag, merge.")
    starts, parsed = _raw_windows(frame[time_col], freq=freq, n_windows=n_windows)
    table = _table(starts, parsed.max(), freq=freq if n_windows is None else None, min_rows=min_rows, small=small)
    table.attrs["unparseable"] = unparseable_count(frame[time_col])
    return table


def window_label(start: pd.Timestamp, freq: Freq | None) -> str:
    """A short human label of a window start: 2013-01 for months, 2013Q1, 2013, or the date."""
    if freq == "M":
        return start.strftime("%Y-%m")
    if freq == "Q":
        return f"{start.year}Q{start.quarter}"
    if freq == "Y":
        return str(start.year)
    return iso_start(start)


def iso_start(start: pd.Timestamp) -> str:
    """ISO form of a window start: the date alone at midnight, else date and time."""
    if start == start.normalize():
        return start.strftime("%Y-%m-%d")
    return start.isoformat()


def _parsed(times: pd.Series) -> pd.Series:
    parsed = parse_time(times)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed


def _check_freq(freq: str | None) -> None:
    if freq not in FREQS:
        raise InvalidInputError(f"Unknown window frequency '{freq}'. Available: {', '.join(FREQS)}.")


def _raw_windows(times: pd.Series, *, freq: str | None, n_windows: int | None) -> tuple[pd.Series, pd.Series]:
    parsed = _parsed(times)
    if n_windows is not None:
        if int(n_windows) < 1:
            raise InvalidInputError("The number of windows must be at least 1.")
        return _equal_count(parsed, int(n_windows)), parsed
    _check_freq(freq)
    return _calendar(parsed, freq), parsed


def _calendar(parsed: pd.Series, freq: str) -> pd.Series:
    codes, day_starts = _calendar_codes(parsed, freq)
    out = np.append(day_starts, np.datetime64("NaT"))[codes]
    return pd.Series(out, index=parsed.index, name=parsed.name)


def _calendar_codes(parsed: pd.Series, freq: str) -> tuple[np.ndarray, np.ndarray]:
    """(each row's distinct day as a position, missing = the last one; the window start of each
    distinct day, datetime64[ns]): calendar arithmetic on datetime64 is slow per row, so it runs
    once per distinct day."""
    values = parsed.to_numpy()
    if values.dtype.kind != "M":
        values = parsed.to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(values)
    # Days counted in the column's own unit (Parquet gives microseconds): no copy to nanoseconds.
    unit, step = np.datetime_data(values.dtype)
    days = np.floor_divide(values.view(np.int64), np.timedelta64(1, "D") // np.timedelta64(step, unit))
    dated = ~missing
    lo = hi = 0
    if dated.any():
        lo = int(days.min(where=dated, initial=np.iinfo(np.int64).max))
        hi = int(days.max(where=dated, initial=np.iinfo(np.int64).min))
    if dated.any() and hi - lo < 4 * len(days) + 1024:
        # A few thousand distinct days at most: a day's offset is its bucket, no hashing.
        offsets = np.subtract(days, lo, out=days)
        offsets[missing] = 0  # day `lo` has a dated row; the missing rows are recoded below
        present = np.bincount(offsets, minlength=hi - lo + 1) > 0
        rank = np.cumsum(present) - 1
        codes = rank[offsets]
        unique_days = np.flatnonzero(present) + lo
    else:
        days[missing] = 0
        codes, unique_days = pd.factorize(days, sort=False)
    starts = _truncate_days(np.asarray(unique_days, dtype=np.int64).astype("datetime64[D]"), freq)
    codes[missing] = len(starts)
    return codes, starts.astype("datetime64[ns]")


def _truncate_days(days: np.ndarray, freq: str) -> np.ndarray:
    """Start (datetime64[D]) of the window of each day."""
    if freq == "D":
        return days
    if freq in ("M", "Y"):
        return days.astype(f"datetime64[{freq}]").astype("datetime64[D]")
    if freq == "Q":
        m = days.astype("datetime64[M]").astype(np.int64)
        return (m - m % 3).astype("datetime64[M]").astype("datetime64[D]")
    d = days.astype(np.int64)  # W
    return ((d - _MONDAY_OFFSET) // 7 * 7 + _MONDAY_OFFSET).astype("datetime64[D]")


def _equal_count(parsed: pd.Series, n: int) -> pd.Series:
    valid = np.sort(parsed.dropna().to_numpy(dtype="datetime64[ns]"))
    if len(valid) == 0:
        return pd.Series(pd.NaT, index=parsed.index, name=parsed.name, dtype="datetime64[ns]")
    # Edges at the row-count quantiles; equal timestamps share a window, so edges may collapse.
    edges = np.unique(valid[(np.arange(n) * len(valid)) // n])
    values = parsed.to_numpy(dtype="datetime64[ns]")
    ok = ~np.isnat(values)
    idx = np.searchsorted(edges, values[ok], side="right") - 1
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[ok] = edges[idx]
    return pd.Series(out, index=parsed.index, name=parsed.name)


def _next_start(start: pd.Timestamp, freq: str) -> pd.Timestamp:
    step = {"D": pd.DateOffset(days=1), "W": pd.DateOffset(weeks=1), "M": pd.DateOffset(months=1),
            "Q": pd.DateOffset(months=3), "Y": pd.DateOffset(years=1)}[freq]
    return start + step


def _table(starts: pd.Series, last: pd.Timestamp, *, freq: str | None, min_rows: int, small: str) -> pd.DataFrame:
    return table_from_counts(starts.value_counts(dropna=True), last, freq=freq, min_rows=min_rows,
                             small=small)


def table_from_counts(counts: pd.Series, last: pd.Timestamp, *, freq: str | None, min_rows: int,
                      small: str = "flag") -> pd.DataFrame:
    """The window table from rows per window start (as a SQL engine counts them); see window_table."""
    counts = counts.sort_index()
    if counts.empty:
        return pd.DataFrame({"window": pd.Series(dtype="datetime64[ns]"),
                             "end": pd.Series(dtype="datetime64[ns]"), "rows": pd.Series(dtype=int),
                             "small": pd.Series(dtype=bool),
                             "merged_into": pd.Series(dtype="datetime64[ns]")})
    if freq in FREQS:
        windows = [counts.index[0]]
        while windows[-1] < counts.index[-1]:
            windows.append(_next_start(windows[-1], freq))
        ends = windows[1:] + [_next_start(windows[-1], freq)]
    else:
        windows = list(counts.index)
        ends = windows[1:] + [last + pd.Timedelta(1, "ns")]
    rows = counts.reindex(windows, fill_value=0).astype(int).to_numpy()
    table = pd.DataFrame({"window": pd.to_datetime(windows), "end": pd.to_datetime(ends), "rows": rows,
                          "small": rows < min_rows})
    table["merged_into"] = pd.NaT
    if small == "merge":
        table["merged_into"] = _merge_targets(table["window"], rows, min_rows)
    return table[WINDOW_COLUMNS]


def _merge_targets(windows: pd.Series, rows: np.ndarray, min_rows: int) -> pd.Series:
    """Greedy left-to-right runs reaching min_rows; a short tail joins the run before it."""
    groups: list[list[int]] = [[]]
    total = 0
    for i, n in enumerate(rows):
        groups[-1].append(i)
        total += int(n)
        if total >= min_rows:
            groups.append([])
            total = 0
    if not groups[-1]:
        groups.pop()
    elif len(groups) > 1:
        tail = groups.pop()
        groups[-1].extend(tail)
    target = pd.Series(pd.NaT, index=windows.index, dtype="datetime64[ns]")
    for members in groups:
        head = windows.iloc[members[0]]
        for i in members[1:]:
            target.iloc[i] = head
    return target


@dataclass(frozen=True, eq=False)
class WindowedPair:
    """The real side bucketed into windows: window table, a window index per row (-1 = no window)."""

    table: pd.DataFrame
    block_ids: np.ndarray
    unparseable: int

    @property
    def starts(self) -> list[pd.Timestamp]:
        """Start of each window that has rows, in time order (block id = position)."""
        return list(self.table["window"])


def windowed(pair: DatasetPair, *, freq: Freq | None = DEFAULT_FREQ, n_windows: int | None = None,
             min_rows: int = 30, small: Literal["flag", "merge"] = "flag") -> WindowedPair:
    """Bucket the real side by the time role; windows without rows are left out of the table."""
    time = pair.roles.time
    if not time:
        raise NoTimeRoleError()
    if time not in pair.real.columns:
        raise InvalidInputError(f"Time column '{time}' is not in the real table.")
    if small not in ("flag", "merge"):
        raise InvalidInputError(f"Unknown small-window handling '{small}'. Available: flag, merge.")
    if small == "merge":
        starts = assign_windows(pair.real[time], freq=freq, n_windows=n_windows, min_rows=min_rows,
                                small=small)
        table = window_table(pair.real, time, freq=freq, n_windows=n_windows, min_rows=min_rows,
                             small=small)
        table = table[(table["rows"] > 0) & table["merged_into"].isna()]
        unparseable = table.attrs.get("unparseable", unparseable_count(pair.real[time]))
    elif n_windows is None:
        # Calendar windows: rows counted per distinct day, and each day's window looked up once.
        _check_freq(freq)
        parsed = _parsed(pair.real[time])
        codes, day_starts = _calendar_codes(parsed, freq)
        per_day = np.bincount(codes, minlength=len(day_starts) + 1)[:-1]
        counts = pd.Series(per_day, index=pd.DatetimeIndex(day_starts)).groupby(level=0).sum()
        table = table_from_counts(counts, parsed.max(), freq=freq, min_rows=min_rows, small=small)
        table = table[table["rows"] > 0].reset_index(drop=True)
        unparseable = int((pair.real[time].notna().to_numpy() & parsed.isna().to_numpy()).sum())
        _no_windows(table, time)
        day_blocks = _positions(pd.Series(day_starts), table["window"])
        return WindowedPair(table, np.append(day_blocks, -1)[codes], unparseable)
    else:
        # One parse and one bucketing of the time column serve the table and the row positions.
        starts, parsed = _raw_windows(pair.real[time], freq=freq, n_windows=n_windows)
        table = _table(starts, parsed.max(), freq=None, min_rows=min_rows, small=small)
        table = table[table["rows"] > 0]
        unparseable = int((pair.real[time].notna().to_numpy() & parsed.isna().to_numpy()).sum())
    table = table.reset_index(drop=True)
    _no_windows(table, time)
    return WindowedPair(table, _positions(starts, table["window"]), unparseable)


def _no_windows(table: pd.DataFrame, time: str) -> None:
    if table.empty:
        raise InvalidInputError(f"Time column '{time}' has no date in the real table, so there are no windows.")


def _positions(starts: pd.Series, windows: pd.Series) -> np.ndarray:
    """Position of each row's window start among `windows` (sorted), -1 where it has none."""
    keys = windows.to_numpy(dtype="datetime64[ns]")
    values = starts.to_numpy(dtype="datetime64[ns]")
    idx = np.searchsorted(keys, values)
    inside = idx < len(keys)
    found = np.zeros(len(values), dtype=bool)
    found[inside] = keys[idx[inside]] == values[inside]
    return np.where(found, idx, -1).astype(np.int64)
