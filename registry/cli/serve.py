"""``registry serve``: migrate the database, then serve the API under uvicorn."""

from __future__ import annotations

import argparse
import os
import sys
import time

from kiosk.domain.release import release
from registry.cli.common import add_database_arguments, prepare_database, settings_from_args
from registry.server import ServerLimits

#: The port the registry listens on by default: the one in the kiosk's default registry URL.
DEFAULT_PORT = 8600


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds ``serve`` to the ``registry`` command line."""
    serve = subparsers.add_parser("serve", help="migrate the database, then serve the API")
    add_database_arguments(serve)
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: this machine only)"
    )
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}, the kiosk's default registry URL's)",
    )
    serve.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level (default warning)",
    )
    defaults = ServerLimits()
    serve.add_argument(
        "--limit-concurrency",
        type=int,
        default=defaults.max_requests,
        help="requests served at once; more get 503 (bounds memory under load)",
    )
    serve.add_argument(
        "--request-read-timeout",
        type=float,
        default=defaults.request_read_timeout_s,
        help="seconds a client has to send a whole request before its connection is closed",
    )
    serve.add_argument(
        "--max-connections",
        type=int,
        default=defaults.max_connections,
        help="open connections before the oldest idle one is closed",
    )
    serve.add_argument(
        "--max-connections-per-client",
        type=int,
        default=defaults.max_connections_per_client,
        help="the same per client address (0: none, behind a proxy)",
    )
    serve.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started this one is gone (the demo kiosk uses it)",
    )
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn
    from sqlalchemy import make_url

    from registry.app import create_app
    from registry.server import server_config

    settings = settings_from_args(args)
    prepare_database(settings)
    if args.exit_with_parent:
        _exit_with_parent()
    limits = ServerLimits(
        request_read_timeout_s=args.request_read_timeout,
        max_requests=args.limit_concurrency,
        max_connections=args.max_connections,
        max_connections_per_client=args.max_connections_per_client,
    )
    config = server_config(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        limits=limits,
    )
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    print(
        f"registry {release()}: serving http://{args.host}:{args.port} (database {where})",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.Server(config).run()
    return 0


def _exit_with_parent(interval: float = 1.0) -> None:
    """Stops this process (SIGTERM: uvicorn shuts down cleanly) once its parent is gone.

    The demo kiosk starts the registry in a session of its own; a kiosk that dies without its
    ``finally`` (a closed terminal's SIGHUP, a SIGKILL) would otherwise leave it serving.
    """
    import signal
    import threading

    parent = os.getppid()

    def watch() -> None:
        # The parent's death is only visible as a changed parent id: polling is the way.
        while os.getppid() == parent:
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
