"""`plyoplan`: the command line. Each subcommand lives in `scheduler/commands/<name>.py`
with `add_parser(subparsers)`; its parser's `run` default does the work and returns
the exit code: 0 done, 2 bad input, 3 the rules cannot all be met.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import sys

from pydantic import ValidationError

from scheduler import commands
from scheduler.core.errors import BadRequest, PlyoplanError, RulesConflict
from scheduler.core.messages import settings_sentences

__all__ = ["main", "EXIT_OK", "EXIT_BAD_INPUT", "EXIT_CONFLICT"]

EXIT_OK, EXIT_BAD_INPUT, EXIT_CONFLICT = 0, 2, 3
ORDER = ("plan", "replan", "busy", "block", "log", "batch", "serve")


def usage_sentence(prog: str, message: str) -> str:
    """argparse's complaint as one sentence naming the argument and what is allowed."""
    see = f"see '{prog} --help'"
    if m := re.fullmatch(r"the following arguments are required: (.+)", message):
        names = m.group(1)
        plural = "s" if "," in names else ""
        return f"'{prog}' needs its {names} argument{plural}; {see}."
    if m := re.fullmatch(r"argument (\S+): invalid choice: '(.*)' \(choose from (.+)\)",
                         message):
        choices = m.group(3).replace("'", "")
        if m.group(1) == "COMMAND":
            return f"'{m.group(2)}' is not a plyoplan command; use one of {choices}."
        return f"Option {m.group(1)} does not take '{m.group(2)}'; use one of {choices}."
    if m := re.fullmatch(r"argument (\S+): expected (one|at least one) arguments?", message):
        return f"Option {m.group(1)} needs a value; {see}."
    if m := re.fullmatch(r"argument (\S+): invalid (\w+) value: '(.*)'", message):
        wanted = {"int": "a whole number", "float": "a number"}.get(m.group(2), "another value")
        return f"Option {m.group(1)} needs {wanted} (got '{m.group(3)}')."
    if m := re.fullmatch(r"unrecognized arguments: (.+)", message):
        return f"'{prog}' does not take {m.group(1)}; {see} for what it takes."
    if m := re.fullmatch(r"ambiguous option: (\S+) could match (.+)", message):
        return f"Option {m.group(1)} is ambiguous: it could be {m.group(2)}."
    if m := re.fullmatch(r"argument (\S+): (.+)", message):  # a command's own type check
        said = m.group(2).rstrip(".")
        if m.group(1) not in said:
            said = f"{m.group(1)}: {said}"
        return f"{said[:1].upper()}{said[1:]}; {see}."
    return f"{message[:1].upper()}{message[1:].rstrip('.')}; {see}."


class _Parser(argparse.ArgumentParser):
    commands: argparse._SubParsersAction | None = None

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"plyoplan: {usage_sentence(self.prog, message)}\n")


def build_parser() -> _Parser:
    parser = _Parser(
        prog="plyoplan",
        description="Plan a runner's training week, plyometrics included, into their "
                    "real calendar.",
        epilog="Exit codes: 0 plan found, 2 bad input, 3 the rules cannot all be met.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)
    parser.commands = sub
    names = [m.name for m in pkgutil.iter_modules(commands.__path__)]
    for name in sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else 99, n)):
        importlib.import_module(f"scheduler.commands.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # name the command whose options were wrong, not plyoplan as a whole
        command = parser.commands.choices[args.command] if parser.commands else parser
        command.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return int(args.run(args))
    except RulesConflict as err:
        sys.stdout.flush()  # what was printed comes before the verdict
        print(f"plyoplan: {err}", file=sys.stderr)
        return EXIT_CONFLICT
    except (BadRequest, PlyoplanError) as err:
        sys.stdout.flush()  # what was printed comes before the verdict
        print(f"plyoplan: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValidationError as err:
        if err.title != "Settings":
            raise
        print(f"plyoplan: {' '.join(settings_sentences(err))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `plyoplan plan week.json | head`: the reader left
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("plyoplan: interrupted; nothing was written.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
