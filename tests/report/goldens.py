"""Golden files of the text layouts: compare, or rewrite with NTC_UPDATE_GOLDEN=1 (then review)."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"


def check_golden(name: str, text: str) -> None:
    """``text`` must equal the golden file ``name``."""
    path = GOLDEN / name
    if os.environ.get("NTC_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()
