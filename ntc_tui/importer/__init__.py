"""The importer (SPEC §6): traffic files and folders counted into the data directory once."""

from ntc_tui.importer.model import (
    FileSummary,
    ImportOptions,
    ImportProgress,
    ImportSummary,
)
from ntc_tui.importer.paths import collect_paths, natural_key
from ntc_tui.importer.run import run_import

__all__ = [
    "FileSummary",
    "ImportOptions",
    "ImportProgress",
    "ImportSummary",
    "collect_paths",
    "natural_key",
    "run_import",
]
