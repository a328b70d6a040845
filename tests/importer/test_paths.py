"""Files are taken in natural order (traffic_2 before traffic_10), folders only with -r deep."""

from __future__ import annotations

from pathlib import Path

import pytest

from ntc_tui.errors import UsageError
from ntc_tui.importer import collect_paths, natural_key


def _touch(folder: Path, *names: str) -> None:
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")


def test_numbers_in_names_sort_as_numbers(tmp_path: Path) -> None:
    _touch(tmp_path, "traffic_10.txt", "traffic_2.txt", "traffic_1.txt", "traffic_100.txt")
    names = [path.name for path in collect_paths([tmp_path], recursive=False)]
    assert names == ["traffic_1.txt", "traffic_2.txt", "traffic_10.txt", "traffic_100.txt"]


def test_split_and_tcpdump_rotation_names(tmp_path: Path) -> None:
    _touch(tmp_path, "dump.pcap10", "dump.pcap2", "dump.pcap", "part-b", "part-a9", "part-a10")
    names = [path.name for path in collect_paths([tmp_path], recursive=False)]
    assert names == ["dump.pcap", "dump.pcap2", "dump.pcap10", "part-a9", "part-a10", "part-b"]


def test_subfolders_only_with_recursive(tmp_path: Path) -> None:
    _touch(tmp_path, "a1.txt", "sub2/b.txt", "sub10/c.txt", "sub2/deeper/d.txt")
    flat = [path.name for path in collect_paths([tmp_path], recursive=False)]
    assert flat == ["a1.txt"]
    deep = [path.relative_to(tmp_path) for path in collect_paths([tmp_path], recursive=True)]
    assert deep == [
        Path("a1.txt"),
        Path("sub2/b.txt"),
        Path("sub2/deeper/d.txt"),
        Path("sub10/c.txt"),
    ]


def test_a_file_named_twice_is_taken_once_in_the_order_given(tmp_path: Path) -> None:
    _touch(tmp_path, "x2.txt", "x1.txt")
    paths = collect_paths([tmp_path / "x2.txt", tmp_path, tmp_path / "x1.txt"], recursive=False)
    assert [path.name for path in paths] == ["x2.txt", "x1.txt"]


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file or folder"):
        collect_paths([tmp_path / "missing.txt"], recursive=False)


def test_natural_key_compares_numbers_by_value() -> None:
    assert natural_key(Path("f9")) < natural_key(Path("f10")) < natural_key(Path("fa"))
