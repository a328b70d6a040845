"""Options several commands share: the data directory."""

from __future__ import annotations

import argparse
from pathlib import Path

from ntc_tui.store import default_data_dir


def add_data_dir(parser: argparse._ActionsContainer) -> None:
    """``--db-dir DIR``, defaulting to SPEC §2's data directory for this user."""
    parser.add_argument(
        "--db-dir",
        type=Path,
        default=default_data_dir(),
        metavar="DIR",
        help="data directory (default: %(default)s)",
    )
