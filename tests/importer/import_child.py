"""A child process that imports with tiny batches and kills itself (SIGKILL) halfway through.

Usage: python -m tests.importer.import_child DB_DIR STOP_AT_PACKETS FILE...
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from ntc_tui.importer import ImportOptions, ImportProgress, run_import, textfile
from ntc_tui.store import Store


def main() -> None:
    db_dir, stop_at, *files = sys.argv[1:]
    textfile.CHUNK_BYTES = 8 << 10  # many small chunks and batches: a kill lands between them
    textfile.BATCH_BYTES = 32 << 10

    def progress(state: ImportProgress) -> None:
        if state.packets >= int(stop_at):
            os.kill(os.getpid(), signal.SIGKILL)

    with Store.open(Path(db_dir), writer=True) as store:
        run_import([Path(name) for name in files], store, ImportOptions(utc=True), progress)


if __name__ == "__main__":
    main()
