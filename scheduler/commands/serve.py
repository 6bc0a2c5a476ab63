"""`plyoplan serve`: the web app (pages, JSON API, calendar feed) on an embedded SQLite
database, or the database PLYOPLAN_DATABASE_URL names."""

from __future__ import annotations

import argparse
import inspect
import socket
import sys
from typing import Any

from scheduler.core.errors import BadRequest

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="run the web app",
        description="Serve the web app: plan weeks in the browser and subscribe to them "
                    "from any calendar. Data lives in an SQLite file in the data directory "
                    "(PLYOPLAN_DATA_DIR) unless PLYOPLAN_DATABASE_URL names a database.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=1,
                   help="worker processes (default 1)")
    p.add_argument("--no-access-log", action="store_true", help="do not log each request")
    p.set_defaults(run=run)


def _check_port_free(host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise BadRequest(f"Option --host: '{host}' is not an address of this machine.") from None
    family, kind, _, _, address = infos[0]
    with socket.socket(family, kind) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            raise BadRequest(f"Option --port: cannot listen on {host}:{port} "
                             f"({err.strerror}); choose another port.") from None


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.port <= 65535:
        raise BadRequest(f"Option --port: give a port from 1 to 65535 (got {args.port}).")
    if not 1 <= args.workers <= 32:
        raise BadRequest(f"Option --workers: give 1 to 32 (got {args.workers}).")
    import uvicorn
    from pydantic import ValidationError
    from sqlalchemy.engine import make_url

    from scheduler.core.messages import settings_sentences
    from web.access_log import log_config
    from web.settings import WebSettings

    try:
        settings = WebSettings()
        url = settings.resolved_database_url()
    except ValidationError as err:
        raise BadRequest(" ".join(settings_sentences(err))) from None
    except OSError as err:
        raise BadRequest(f"PLYOPLAN_DATA_DIR: cannot create it ({err.strerror}).") from None
    _check_port_free(args.host, args.port)
    shown = make_url(url).render_as_string(hide_password=True)
    print(f"plyoplan: serving http://{args.host}:{args.port}/ (data: {shown}); "
          f"Ctrl+C stops.", file=sys.stderr)
    if not settings.answers_to(args.host) and not settings.public_url:
        print(f"plyoplan: answering only to the host names in PLYOPLAN_ALLOWED_HOSTS "
              f"({', '.join(settings.allowed_hosts)}); add the name or address visitors "
              f"use, or set PLYOPLAN_PUBLIC_URL.", file=sys.stderr)
    options: dict[str, Any] = {}
    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.run).parameters:
        # A worker deep in a solve may answer the supervisor's ping late; killing it
        # would drop every request it holds.
        options["timeout_worker_healthcheck"] = 60
    # The access log names paths with plan ids and feed tokens: log_config redacts them.
    uvicorn.run("web.app:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, access_log=not args.no_access_log,
                log_config=log_config(),
                log_level="warning" if args.no_access_log else "info", **options)
    return 0
