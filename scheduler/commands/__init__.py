"""One module per `plyoplan` subcommand (see scheduler/cli.py)."""
