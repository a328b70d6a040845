"""Command line entry: live mode or a sub-command; failures become one sentence and an exit code."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType

from ntc_tui import __version__
from ntc_tui.cli import db, importcmd, live, reportcmd
from ntc_tui.errors import NtcError

# Each sub-command module defines NAME, SUMMARY, configure(parser) and run(args) -> exit code.
SUBCOMMANDS: tuple[ModuleType, ...] = (db, importcmd, reportcmd)

PROG = "ntc-tui"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an unexpected failure"
    )


def live_parser() -> argparse.ArgumentParser:
    """`ntc-tui [IFACE] [db] [options]`: the dashboard; its help also lists the sub-commands."""
    commands = "\n".join(f"  {PROG} {m.NAME:<8} {m.SUMMARY}" for m in SUBCOMMANDS)
    parser = argparse.ArgumentParser(
        prog=PROG,
        usage=f"{PROG} [IFACE] [db] [options]\n       {PROG} COMMAND ...",
        description=live.DESCRIPTION,
        epilog=f"commands (`{PROG} COMMAND --help` for each):\n{commands}" if commands else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(parser)
    live.configure(parser)
    return parser


def command_parser(module: ModuleType) -> argparse.ArgumentParser:
    """The parser of one sub-command."""
    parser = argparse.ArgumentParser(prog=f"{PROG} {module.NAME}", description=module.SUMMARY)
    _common(parser)
    module.configure(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ntc-tui with ``argv`` (default: the process arguments) and return its exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    commands = {module.NAME: module for module in SUBCOMMANDS}
    if arguments and arguments[0] in commands:
        module = commands[arguments[0]]
        args = command_parser(module).parse_args(arguments[1:])
        return run_guarded(module.run, args)
    args = live_parser().parse_args(arguments)
    return run_guarded(live.run, args)


def run_guarded(command: live.Command, args: argparse.Namespace) -> int:
    """Run a command; a failure becomes one line on stderr and its exit code."""
    try:
        return command(args)
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
