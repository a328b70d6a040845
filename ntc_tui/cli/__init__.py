"""Command line entry: live mode or a sub-command; failures become one sentence and an exit code."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import NoReturn

from ntc_tui import __version__
from ntc_tui.errors import NtcError

# Each sub-command module defines NAME, SUMMARY, configure(parser) and run(args) -> exit code. It
# is imported when used: `ntc-tui report` need not load the dashboard (urwid) or the importer.
SUBCOMMANDS = {
    "db": "ntc_tui.cli.db",
    "import": "ntc_tui.cli.importcmd",
    "report": "ntc_tui.cli.reportcmd",
}
Command = Callable[[argparse.Namespace], int]

PROG = "ntc-tui"
GLOBAL_FLAGS = ("--debug",)  # options of every parser that may come before a sub-command


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one sentence on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: {message} (see {self.prog} --help)\n")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an unexpected failure"
    )


def live_parser() -> argparse.ArgumentParser:
    """`ntc-tui [IFACE] [db] [options]`: the dashboard; its help also lists the sub-commands."""
    from ntc_tui.cli import live  # noqa: PLC0415 (imported when used, see SUBCOMMANDS)

    modules = [subcommand(name) for name in SUBCOMMANDS]
    commands = "\n".join(f"  {PROG} {m.NAME:<8} {m.SUMMARY}" for m in modules)
    parser = Parser(
        prog=PROG,
        usage=f"{PROG} [IFACE] [db] [options]\n       {PROG} COMMAND ...",
        description=live.DESCRIPTION,
        epilog=f"commands (`{PROG} COMMAND --help` for each):\n{commands}" if commands else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(parser)
    live.configure(parser)
    return parser


def subcommand(name: str) -> ModuleType:
    """The module of the sub-command ``name`` (a key of SUBCOMMANDS)."""
    return importlib.import_module(SUBCOMMANDS[name])


def command_parser(module: ModuleType) -> argparse.ArgumentParser:
    """The parser of one sub-command."""
    parser = Parser(prog=f"{PROG} {module.NAME}", description=module.SUMMARY)
    _common(parser)
    module.configure(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ntc-tui with ``argv`` (default: the process arguments) and return its exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    position = 0  # of the sub-command's name, after any global flags (`ntc-tui --debug report`)
    while position < len(arguments) and arguments[position] in GLOBAL_FLAGS:
        position += 1
    if position < len(arguments) and arguments[position] in SUBCOMMANDS:
        module = subcommand(arguments[position])
        rest = arguments[:position] + arguments[position + 1 :]
        return run_guarded(module.run, command_parser(module).parse_args(rest))
    from ntc_tui.cli import live  # noqa: PLC0415 (imported when used, see SUBCOMMANDS)

    return run_guarded(live.run, live_parser().parse_args(arguments))


def run_guarded(command: Command, args: argparse.Namespace) -> int:
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
