"""`make bench`: runs every benchmark module, prints one table, saves it under bench-results/."""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.common import Row, format_table

MODULES = (
    "bench_capture",
    "bench_import",
    "bench_storage",
    "bench_report",
    "bench_session",
    "bench_memory",
)


def machine() -> str:
    """One line describing where the numbers were measured."""
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    tshark = subprocess.run(
        ["tshark", "--version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    return (
        f"{os.cpu_count()} × {cpu}, {mem_gib:.0f} GiB, Linux {platform.release()}, "
        f"Python {platform.python_version()}, {tshark[0] if tshark else 'tshark missing'}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("only", nargs="*", help="module names (default: all)")
    args = parser.parse_args()
    rows: list[Row] = []
    started = time.monotonic()
    for name in args.only or MODULES:
        module = importlib.import_module(f"tests.bench.{name}")
        t0 = time.monotonic()
        print(f"running {name} …", file=sys.stderr, flush=True)
        rows += module.run(quick=args.quick)
        print(f"  {name}: {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
    table = format_table(rows)
    text = (
        f"Machine: {machine()}\n"
        f"Command: make bench ({time.monotonic() - started:.0f} s)\n\n{table}\n"
    )
    print(text)
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / time.strftime("bench-%Y%m%d-%H%M%S.md")).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
