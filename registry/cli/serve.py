"""``registry serve``: migrate the database, then serve the API under uvicorn."""

from __future__ import annotations

import argparse
import os
import time

from registry.cli.common import add_database_arguments, prepare_database, settings_from_args


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds ``serve`` to the ``registry`` command line."""
    serve = subparsers.add_parser("serve", help="migrate the database, then serve the API")
    add_database_arguments(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--log-level", default="warning")
    serve.add_argument(
        "--limit-concurrency",
        type=int,
        default=200,
        help="connections served at once; more get 503 (bounds memory under load)",
    )
    serve.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started this one is gone (the demo kiosk uses it)",
    )
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from registry.app import create_app

    settings = settings_from_args(args)
    prepare_database(settings)
    if args.exit_with_parent:
        _exit_with_parent()
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        limit_concurrency=args.limit_concurrency,
        timeout_keep_alive=5,
    )
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
