"""`plyoplan`: the command line. Each subcommand lives in `scheduler/commands/<name>.py`
with `add_parser(subparsers)`; its parser's `run` default does the work and returns
the exit code: 0 done, 2 bad input, 3 the rules cannot all be met.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from scheduler import commands
from scheduler.errors import BadRequest, PlyoplanError, RulesConflict

__all__ = ["main", "EXIT_OK", "EXIT_BAD_INPUT", "EXIT_CONFLICT"]

EXIT_OK, EXIT_BAD_INPUT, EXIT_CONFLICT = 0, 2, 3
ORDER = ("plan", "replan", "busy", "block", "log", "batch", "serve")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"plyoplan: {message[0].upper()}{message[1:]}.\n"
                                  f"Try '{self.prog} --help'.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="plyoplan",
        description="Plan a runner's training week, plyometrics included, into their "
                    "real calendar.",
        epilog="Exit codes: 0 plan found, 2 bad input, 3 the rules cannot all be met.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)
    names = [m.name for m in pkgutil.iter_modules(commands.__path__)]
    for name in sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else 99, n)):
        importlib.import_module(f"scheduler.commands.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except RulesConflict as err:
        print(f"plyoplan: {err}", file=sys.stderr)
        return EXIT_CONFLICT
    except (BadRequest, PlyoplanError) as err:
        print(f"plyoplan: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("plyoplan: interrupted; nothing was written.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
