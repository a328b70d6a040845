"""Storage tests: a data directory whose every invariant `db check` verifies after the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ntc_tui.storage.checker import check_dir
from tests.storage.workload import layout_of


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A fresh data directory path; after the test, the checker must find nothing wrong."""
    path = tmp_path / "data"
    yield path
    if path.exists():
        report = check_dir(path, layout_of)
        assert report.ok, report.defects[:10]
