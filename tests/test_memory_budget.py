"""The memory ledger: budgets from the environment, estimates before parsing, concurrent
reservations that never overshoot, release (explicit and when the data is collected), refusals."""

from __future__ import annotations

import gc
import threading

import pandas as pd
import pytest

from fairsynth.foundation.errors import InvalidInputError
from fairsynth.foundation.memory_budget import (
    CSV_FACTOR,
    MB,
    PARQUET_FACTOR,
    SERVER_BUDGET_ENV,
    SESSION_BUDGET_ENV,
    MemoryBudgetError,
    MemoryLedger,
    estimate_load_bytes,
)


def ledger(server_mb=1000, session_mb=400, baseline_mb=100) -> MemoryLedger:
    return MemoryLedger(server_mb * MB, session_mb * MB, baseline_bytes=baseline_mb * MB)


def test_concurrent_reservations_admit_exactly_what_fits():
    book = ledger()  # 900 MB above the baseline: three loads of 300 MB, not four
    start = threading.Barrier(12)
    admitted, refused = [], []

    def one_session(i: int) -> None:
        start.wait()
        try:
            admitted.append(book.reserve(f"session {i}", 300 * MB))
        except MemoryBudgetError as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=one_session, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(admitted) == 3 and len(refused) == 9
    assert book.held_bytes == 900 * MB and book.large_loads == 3
    assert set(refused) == {"The server is busy with 3 large datasets; try again in a minute, "
                            "or use the CLI with --engine duckdb."}


def test_release_gives_the_room_back_once():
    book = ledger()
    first = book.reserve("a", 300 * MB)
    book.reserve("b", 300 * MB)
    book.reserve("c", 300 * MB)
    with pytest.raises(MemoryBudgetError):
        book.reserve("d", 300 * MB)
    first.release()
    first.release()  # idempotent: a second release frees nothing more
    assert book.held_bytes == 600 * MB and not first.active
    assert book.reserve("d", 300 * MB).active
    assert book.held_by("d") == 300 * MB and book.held_by("a") == 0


def test_resize_to_the_measured_size_makes_room():
    book = ledger()
    big = book.reserve("a", 400 * MB)
    book.reserve("b", 400 * MB)
    with pytest.raises(MemoryBudgetError, match="busy with 2 large datasets"):
        book.reserve("c", 200 * MB)
    big.resize(150 * MB)
    assert book.reserve("c", 200 * MB).active
    assert book.held_bytes == 750 * MB


def test_a_bound_reservation_is_released_when_its_frames_are_collected():
    book = ledger()
    real, synthetic = pd.DataFrame({"a": range(1000)}), pd.DataFrame({"a": range(1000)})
    reservation = book.reserve("a", 300 * MB)
    reservation.bind(real, synthetic)
    del real
    gc.collect()
    assert reservation.active  # the synthetic side still holds memory
    del synthetic
    gc.collect()
    assert not reservation.active and book.held_bytes == 0


def test_a_load_over_the_session_budget_is_refused_whatever_the_server_holds():
    book = ledger()
    with pytest.raises(MemoryBudgetError) as caught:
        book.reserve("a", 500 * MB, label="big.csv + big_synth.csv (50 MB)")
    assert str(caught.value) == (
        "big.csv + big_synth.csv (50 MB) needs about 500 MB of memory to load, over the 400 MB a "
        f"session may use ({SESSION_BUDGET_ENV}); use the CLI with --engine duckdb for files this large.")
    assert book.held_bytes == 0


def test_an_empty_server_too_small_for_a_load_says_so_not_busy():
    book = ledger(server_mb=300, session_mb=300, baseline_mb=100)
    with pytest.raises(MemoryBudgetError, match=f"more than this server's budget leaves \\({SERVER_BUDGET_ENV}\\)"):
        book.reserve("a", 250 * MB)


def test_the_busy_sentence_counts_one_dataset_in_the_singular():
    book = ledger(server_mb=500)
    book.reserve("a", 300 * MB)
    with pytest.raises(MemoryBudgetError, match="^The server is busy with 1 large dataset; try again"):
        book.reserve("b", 300 * MB)


def test_budgets_come_from_the_environment(monkeypatch):
    monkeypatch.setenv(SERVER_BUDGET_ENV, "2048")
    monkeypatch.setenv(SESSION_BUDGET_ENV, "512")
    book = MemoryLedger.from_environment()
    assert (book.server_bytes, book.session_bytes) == (2048 * MB, 512 * MB)
    monkeypatch.setenv(SESSION_BUDGET_ENV, "99999")  # a session can never hold more than the server
    assert MemoryLedger.from_environment().session_bytes == 2048 * MB


@pytest.mark.parametrize("bad", ["lots", "0", "-5", "1.5"])
def test_a_bad_budget_is_one_clear_error(monkeypatch, bad):
    monkeypatch.setenv(SERVER_BUDGET_ENV, bad)
    with pytest.raises(InvalidInputError, match=f"^{SERVER_BUDGET_ENV} must be a whole number of megabytes"):
        MemoryLedger.from_environment()


def test_estimates_follow_the_format_before_parsing():
    assert estimate_load_bytes(100 * MB, "real.csv") == 100 * MB * CSV_FACTOR
    assert estimate_load_bytes(100 * MB, "REAL.PARQUET") == 100 * MB * PARQUET_FACTOR
    gz = estimate_load_bytes(10 * MB, "real.csv.gz")
    assert gz > estimate_load_bytes(10 * MB, "real.csv")  # it expands before it is parsed
    assert estimate_load_bytes(10 * MB, "real.csv.gz", max_decompressed=20 * MB) == 10 * MB + 20 * MB * CSV_FACTOR


def test_a_large_generated_table_is_reserved_at_its_estimate_then_held_at_its_size(monkeypatch):
    from fairsynth.foundation import memory_budget
    from fairsynth.foundation.memory_budget import GENERATION_FACTOR, LARGE_FRAME_MB
    from fairsynth.ui.memory_guard import hold_for_frame, reserve_generation

    book = ledger(server_mb=4000, session_mb=2000)
    monkeypatch.setattr(memory_budget, "_LEDGER", book)
    template = pd.DataFrame({"x": range(1000), "y": [1.5] * 1000})  # 16 bytes a row (+ index)
    per_row = template.memory_usage(deep=True).sum() / 1000
    small_rows = int(LARGE_FRAME_MB * MB / per_row)
    assert reserve_generation("a", template, small_rows) is None and book.large_loads == 0
    big_rows = 2 * small_rows
    reservation = reserve_generation("a", template, big_rows)
    assert reservation.n_bytes == pytest.approx(per_row * big_rows * GENERATION_FACTOR, rel=1e-6)
    made = pd.DataFrame({"x": range(10), "y": [0.0] * 10})
    hold_for_frame(reservation, made)
    assert book.held_by("a") == made.memory_usage(deep=True).sum()
    del made
    gc.collect()
    assert book.large_loads == 0
    # Over a session's budget it is refused with the generation named.
    with pytest.raises(MemoryBudgetError, match=r"^A synthetic table of [\d,]+ rows needs about .* to generate"):
        reserve_generation("a", template, 100 * small_rows)


def test_a_saved_pair_of_large_files_is_reserved_before_it_is_read(monkeypatch, tmp_path):
    from fairsynth.foundation import memory_budget
    from fairsynth.foundation.memory_budget import LARGE_LOAD_MB
    from fairsynth.ui.memory_guard import reserve_files

    book = ledger(server_mb=4000, session_mb=4000)
    monkeypatch.setattr(memory_budget, "_LEDGER", book)
    small, big = tmp_path / "small.parquet", tmp_path / "big.parquet"
    small.write_bytes(b"x" * 1000)
    with big.open("wb") as handle:  # sparse: the size counts, not the bytes on disk
        handle.truncate(LARGE_LOAD_MB * MB + 1)
    assert reserve_files("t", [small, small]) is None
    held = reserve_files("t", [big, small])
    assert held.n_bytes == (big.stat().st_size + 1000) * PARQUET_FACTOR
    book.reserve("other", 4000 * MB - 100 * MB - held.n_bytes)  # the server is now full
    with pytest.raises(MemoryBudgetError, match="^The server is busy with 2 large datasets"):
        reserve_files("t2", [big])


def test_a_refused_generation_points_to_fewer_rows_or_the_cli_not_to_duckdb():
    book = ledger()
    with pytest.raises(MemoryBudgetError) as caught:
        book.reserve("a", 500 * MB, label="A synthetic table of 9,000,000 rows", action="generate")
    assert str(caught.value) == (
        "A synthetic table of 9,000,000 rows needs about 500 MB of memory to generate, over the "
        f"400 MB a session may use ({SESSION_BUDGET_ENV}); generate fewer rows, or use "
        "`fairsynth generate` for tables this large.")
