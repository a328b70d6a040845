"""Shared benchmark vocabulary: timed samples, side-by-side comparisons, and the printed table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Measurement:
    """Repeated samples of one quantity (higher is better unless ``lower_is_better``)."""

    name: str
    unit: str
    samples: list[float] = field(default_factory=list)
    lower_is_better: bool = False

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def span(self) -> str:
        return f"{_fmt(min(self.samples))}–{_fmt(max(self.samples))}"


@dataclass
class Row:
    """One line of the benchmark table: ours, and a baseline measured in the same run if any."""

    group: str
    ours: Measurement
    baseline: Measurement | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline.median or not self.ours.median:
            return None
        if self.ours.lower_is_better:
            return self.baseline.median / self.ours.median
        return self.ours.median / self.baseline.median


def rate(count: int, seconds: float) -> float:
    """Items per second, guarded against a zero duration."""
    return count / max(seconds, 1e-9)


def timed(func: Callable[[], object]) -> float:
    """Wall-clock seconds one call of ``func`` takes."""
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"


def format_table(rows: list[Row]) -> str:
    """A Markdown table: group, what, ours (median, min–max), baseline, ratio (>1: ours better)."""
    lines = [
        "| group | measurement | ours (median) | min–max | baseline | baseline (median) | ratio |",
        "|---|---|---:|---:|---|---:|---:|",
    ]
    for row in rows:
        base = row.baseline
        ratio = row.ratio
        lines.append(
            f"| {row.group} | {row.ours.name} ({row.ours.unit}) | {_fmt(row.ours.median)} "
            f"| {row.ours.span()} | {base.name if base else ''} "
            f"| {_fmt(base.median) if base else ''} "
            f"| {f'{ratio:.2f}×' if ratio is not None else ''} |"
            + (f" {row.note}" if row.note else "")
        )
    return "\n".join(lines)
