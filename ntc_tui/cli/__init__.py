"""Command line entry: picks the sub-command, maps failures to one sentence and an exit code."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType

from ntc_tui import __version__
from ntc_tui.errors import NtcError

# Each sub-command module defines NAME, SUMMARY, configure(parser) and run(args) -> exit code.
SUBCOMMANDS: tuple[ModuleType, ...] = ()

PROG = "ntc-tui"


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser: program options plus one sub-parser per sub-command."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Watch a network interface live, keep per-day connection accounting, "
        "import traffic files and write reports.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an unexpected failure"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module in SUBCOMMANDS:
        sub = commands.add_parser(module.NAME, help=module.SUMMARY, description=module.SUMMARY)
        sub.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
        module.configure(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ntc-tui with ``argv`` (default: the process arguments) and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 0
    return run_guarded(args)


def run_guarded(args: argparse.Namespace) -> int:
    """Run the chosen sub-command; a failure becomes one line on stderr and its exit code."""
    try:
        code: int = args.run(args)
    except NtcError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if args.debug:
            traceback.print_exc()
        else:
            print(
                f"{PROG}: internal error ({type(error).__name__}: {error}); "
                "run again with --debug to see where",
                file=sys.stderr,
            )
        return 1
    return code
