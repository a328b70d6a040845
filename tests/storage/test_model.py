"""The engine against a dict model: random operations with close-and-reopen, and 100,000+ keys."""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ntc_tui.storage import CorruptError, DataDir, Layout, LockedError, StorageError
from ntc_tui.storage.checker import check_dir
from ntc_tui.storage.layout import PACKS_MAX, VOL_MAX
from tests.storage.workload import SMALL, WIDE, layout_of, small_key

Model = dict[str, dict[tuple, tuple[int, int]]]

keys_small = st.builds(small_key, st.integers(0, 3), st.integers(0, 400))
keys_wide = st.tuples(st.integers(0, 3), st.integers(0, 2**32 - 1), st.integers(0, 30))
counters = st.tuples(st.integers(0, 10**6), st.integers(0, 1000))


class EngineMachine(RuleBasedStateMachine):
    """Upserts, commits, rollbacks, reopenings and drops, compared with dicts after each step."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp())
        self.path = self.tmp / "data"
        self.committed: Model = {}
        self.staged: Model = {}
        self.datadir = DataDir.open(self.path, writer=True, create=True, cache_pages=16)

    def table(self, stem: str):
        return self.datadir.table(stem, layout_of(stem))

    @rule(stem=st.sampled_from(["a", "c"]), data=st.data())
    def upsert(self, stem: str, data: st.DataObject) -> None:
        keys = keys_small if stem == "a" else keys_wide
        items = data.draw(st.lists(st.tuples(keys, counters), max_size=300))
        self.table(stem).upsert_many([(key, vol, packs) for key, (vol, packs) in items])
        rows = self.staged.setdefault(stem, {})
        for key, (vol, packs) in items:
            old = rows.get(key, (0, 0))
            rows[key] = (old[0] + vol, old[1] + packs)

    @rule()
    def commit(self) -> None:
        self.datadir.commit()
        self.committed = {stem: dict(rows) for stem, rows in self.staged.items()}
        self.check_disk()

    @rule()
    def rollback(self) -> None:
        self.datadir.rollback()
        self.staged = {stem: dict(rows) for stem, rows in self.committed.items()}

    @rule()
    def reopen(self) -> None:
        self.datadir.close()
        self.check_disk()
        self.datadir = DataDir.open(self.path, writer=True, cache_pages=16)
        self.staged = {stem: dict(rows) for stem, rows in self.committed.items()}

    @precondition(lambda self: "a" in self.committed)
    @rule()
    def drop(self) -> None:
        self.datadir.drop_table("a")
        self.staged.pop("a", None)
        self.committed = {stem: dict(rows) for stem, rows in self.staged.items()}
        self.check_disk()

    @rule(stem=st.sampled_from(["a", "c"]), data=st.data())
    def range_scan(self, stem: str, data: st.DataObject) -> None:
        lo, hi = sorted(data.draw(st.lists(st.integers(0, 4), min_size=2, max_size=2)))
        rows = self.staged.get(stem, {})
        expected = sorted((k, v) for k, v in rows.items() if (lo,) <= k < (hi,))
        if stem not in self.datadir.stems():
            assert not expected
            return
        got = [(k, (vol, packs)) for k, vol, packs in self.table(stem).scan((lo,), (hi,))]
        assert got == expected

    @invariant()
    def matches_model(self) -> None:
        """The writer sees the whole model: every row by a scan, a sample by point lookups."""
        assert self.datadir.stems() == sorted(stem for stem, rows in self.staged.items() if rows)
        for stem, rows in self.staged.items():
            table = self.table(stem)
            assert table.record_count() == len(rows)
            assert list(table.scan()) == [(key, *rows[key]) for key in sorted(rows)]
            for key in list(rows)[:20]:
                assert table.get(key) == rows[key]

    def check_disk(self) -> None:
        """A new reader sees exactly the committed model, and every invariant holds."""
        with DataDir.open(self.path, writer=False) as reader:
            seen = {
                stem: {k: (v, p) for k, v, p in reader.table(stem, layout_of(stem)).scan()}
                for stem in reader.stems()
            }
        assert seen == {stem: rows for stem, rows in self.committed.items() if rows}
        report = check_dir(self.path, layout_of)
        assert report.ok, report.defects[:5]

    def teardown(self) -> None:
        self.datadir.close()
        self.check_disk()
        shutil.rmtree(self.tmp)


EngineMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_engine_against_model = EngineMachine.TestCase


def test_100k_keys_over_several_days_grow_the_tree_past_three_levels(data_dir: Path) -> None:
    rng = random.Random(11)
    model: dict[tuple[int, int, int], tuple[int, int]] = {}
    for day in range(5):
        with DataDir.open(data_dir, writer=True, create=True) as datadir:
            table = datadir.table("c", WIDE)
            for _ in range(4):
                batch = []
                for _ in range(6_000):
                    key = (day, rng.getrandbits(32), rng.getrandbits(8))
                    batch.append((key, rng.randrange(10**6), 1))
                    old = model.get(key, (0, 0))
                    model[key] = (old[0] + batch[-1][1], old[1] + 1)
                batch += [(key, 7, 1) for key in rng.sample(sorted(model), 1_000)]
                for key, _, _ in batch[-1_000:]:
                    model[key] = (model[key][0] + 7, model[key][1] + 1)
                table.upsert_many(batch)
                datadir.commit()
    with DataDir.open(data_dir, writer=True) as datadir:  # small pages: a 4-level tree quickly
        small = datadir.table("a", SMALL)
        small.upsert_many((small_key(n % 5, n * 7919 % 100_003), 1, 1) for n in range(30_000))
        datadir.commit()
        assert small.height() >= 4
    assert len(model) >= 100_000
    with DataDir.open(data_dir, writer=False) as reader:
        table = reader.table("c", WIDE)
        assert table.height() >= 3
        assert dict(((k, (v, p)) for k, v, p in table.scan())) == model
        assert table.record_count() == len(model)
        day2 = [k for k, _, _ in table.scan((2,), (3,))]
        assert day2 == sorted(k for k in model if k[0] == 2)
        stats = table.stats()
        assert stats.first_key == min(model) and stats.last_key == max(model)
        assert reader.table("a", SMALL).record_count() == 30_000


def test_root_stays_page_one_and_levels_count_from_the_root(data_dir: Path) -> None:
    with DataDir.open(data_dir, writer=True, create=True) as datadir:
        table = datadir.table("a", SMALL)
        heights = []
        for start in range(0, 3_000, 100):
            table.upsert_many((small_key(0, n), n, 1) for n in range(start, start + 100))
            datadir.commit()
            heights.append(table.height())
    assert heights[0] <= 2 and heights[-1] >= 3 and heights == sorted(heights)
    # levels and the rest are verified by the checker of the data_dir fixture


def test_counters_saturate_instead_of_wrapping(data_dir: Path) -> None:
    with DataDir.open(data_dir, writer=True, create=True) as datadir:
        table = datadir.table("c", WIDE)
        table.upsert((1, 2, 3), VOL_MAX - 5, PACKS_MAX - 1)
        table.upsert((1, 2, 3), 100, 100)
        table.upsert((1, 2, 4), VOL_MAX + 10, PACKS_MAX + 10)
        datadir.commit()
        assert table.get((1, 2, 3)) == (VOL_MAX, PACKS_MAX)
        assert table.get((1, 2, 4)) == (VOL_MAX, PACKS_MAX)
        with pytest.raises(ValueError, match="only grow"):
            table.upsert((1, 2, 5), -1, 0)


def test_second_writer_is_refused_naming_the_holder(data_dir: Path) -> None:
    with DataDir.open(data_dir, writer=True, create=True):
        with pytest.raises(LockedError, match=r"pid \d+"):
            DataDir.open(data_dir, writer=True)
        with DataDir.open(data_dir, writer=False) as reader:  # readers are welcome
            assert reader.stems() == []
    DataDir.open(data_dir, writer=True).close()  # released on close


def test_reader_snapshot_is_not_disturbed_by_later_batches(data_dir: Path) -> None:
    with DataDir.open(data_dir, writer=True, create=True) as writer:
        table = writer.table("c", WIDE)
        table.upsert((1, 1, 1), 10, 1)
        writer.commit()
        with DataDir.open(data_dir, writer=False) as reader:
            for n in range(2, 400):
                table.upsert((1, n, n), 10, 1)
                table.upsert((1, 1, 1), 10, 1)
                writer.commit()  # applied in place only when the reader is gone
            assert list(reader.table("c", WIDE).scan()) == [((1, 1, 1), 10, 1)]
            with DataDir.open(data_dir, writer=False) as late_reader:
                assert late_reader.table("c", WIDE).get((1, 1, 1)) == (3990, 399)
        writer.commit()
    with DataDir.open(data_dir, writer=False) as reader:
        assert reader.table("c", WIDE).record_count() == 399


def test_staged_changes_are_visible_to_the_writer_and_dropped_by_rollback(data_dir: Path) -> None:
    with DataDir.open(data_dir, writer=True, create=True) as datadir:
        table = datadir.table("c", WIDE)
        table.upsert((1, 1, 1), 5, 1)
        assert table.get((1, 1, 1)) == (5, 1)
        assert datadir.stems() == ["c"]
        datadir.rollback()
        assert table.get((1, 1, 1)) is None
        assert datadir.stems() == []
        assert not data_dir.joinpath("c.db").exists()


def test_missing_index_is_a_clear_error_and_the_records_are_kept(data_dir: Path) -> None:
    with DataDir.open(data_dir, writer=True, create=True) as datadir:
        datadir.table("c", WIDE).upsert_many(((1, n, n), 1, 1) for n in range(1000))
        datadir.commit()
    (data_dir / "c.idx").unlink()
    size = (data_dir / "c.db").stat().st_size
    for writer in (True, False):
        with (
            DataDir.open(data_dir, writer=writer) as datadir,
            pytest.raises(CorruptError, match=r"c\.idx is missing.*db check --repair"),
        ):
            datadir.table("c", WIDE)
    assert (data_dir / "c.db").stat().st_size == size
    from ntc_tui.storage.repair import repair_dir

    result = repair_dir(data_dir, layout_of)
    assert result.rebuilt == ["c"] and result.kept == {"c": 1000} and result.after.ok


def test_reader_of_a_missing_directory_and_closed_handles(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no such data directory"):
        DataDir.open(tmp_path / "nope", writer=False)
    datadir = DataDir.open(tmp_path / "made" / "deep", writer=True, create=True)
    assert (tmp_path / "made" / "deep").stat().st_mode & 0o777 == 0o700
    datadir.close()
    with pytest.raises(StorageError, match="closed"):
        datadir.stems()


def test_layout_must_be_little_endian() -> None:
    with pytest.raises(ValueError, match="little-endian"):
        Layout(">III")
