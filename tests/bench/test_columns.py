"""The benchmark's loaders write rows column by column: a model that gains a column must
fail here, in `make test`, not an hour into a `make bench` run (as it once did)."""

from __future__ import annotations

from bench.columns import INTERACTION_COLUMNS, TABLES
from bench.run import check_columns


def test_bench_column_lists_match_the_models() -> None:
    check_columns()  # raises SystemExit naming the table that differs


def test_a_missing_column_is_caught(monkeypatch) -> None:
    import pytest

    monkeypatch.setitem(TABLES, "timeline_interaction", INTERACTION_COLUMNS[:-1])
    with pytest.raises(SystemExit, match="timeline_interaction"):
        check_columns()
