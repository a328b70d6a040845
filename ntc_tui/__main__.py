"""Entry point for `python -m ntc_tui`."""

import sys

from ntc_tui.cli import main

sys.exit(main())
