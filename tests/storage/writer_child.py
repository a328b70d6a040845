"""A writer process for the kill and concurrency tests: commits batches, says which are durable."""

from __future__ import annotations

import sys
from pathlib import Path

from ntc_tui.storage import DataDir
from tests.storage.workload import LAYOUTS, commit, make_batches, small_key

UNIFORM_KEYS = 50  # keys of the "uniform" workload: every batch adds 1 to each of them


def main(path: Path, mode: str, seed: int, count: int) -> None:
    with DataDir.open(path, writer=True, create=True) as datadir:
        if mode == "workload":
            for number, batch in enumerate(make_batches(seed, count, new_keys=60)):
                batch.hold_reader = batch.fail_commit_fsync = False
                commit(datadir, batch)
                print(f"ack {number + 1}", flush=True)
        else:
            for number in range(count):
                datadir.table("a", LAYOUTS["a"]).upsert_many(
                    (small_key(k % 3, k * 7), 1, 1) for k in range(UNIFORM_KEYS)
                )
                datadir.table("c", LAYOUTS["c"]).upsert_many(
                    ((k, k, k), 1, 1) for k in range(UNIFORM_KEYS)
                )
                datadir.commit()
                print(f"ack {number + 1}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
