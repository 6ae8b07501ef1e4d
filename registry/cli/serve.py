"""``registry serve``: migrate the database, then serve the API under uvicorn.

The listening socket is bound here, before uvicorn starts, so an address in use is one line and
exit status 1 like every other failure, and the line that says where it listens has the real
port (``--port 0``: any free one).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.domain.release import release
from registry.cli.common import add_database_arguments, prepare_database, settings_from_args
from registry.cli.failures import CommandError
from registry.server import ProxyTrust, ServerLimits

if TYPE_CHECKING:
    from registry.settings import RegistrySettings

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
        help="the least level logged, as JSON lines on stderr (default warning)",
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="log every answered request (request id, method, route, status, duration; "
        "never the client's address, the path's values or a body)",
    )
    serve.add_argument(
        "--proxy-headers",
        action="store_true",
        help="behind a reverse proxy: take the client's address (for the per-client login "
        "throttles) and scheme from X-Forwarded-For / X-Forwarded-Proto, from the proxies "
        "--forwarded-allow-ips names only",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        default=ProxyTrust().allowed_ips,
        metavar="IPS",
        help="the proxies whose forwarded headers are believed, comma-separated addresses or "
        "networks (default 127.0.0.1,::1: a proxy on this machine)",
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
        "--workers",
        type=_positive,
        default=1,
        help="registry processes sharing the port (default 1; about one per core). Every rule's "
        "limit is kept in the database and holds across them; the connection and request "
        "limits above are per process",
    )
    serve.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started this one is gone (the demo kiosk uses it)",
    )
    serve.set_defaults(handler=_serve)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _serve(args: argparse.Namespace) -> int:
    from sqlalchemy import make_url

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
    if args.workers == 1:
        listening = listen(args.host, args.port)
    else:
        # Each worker listens on a socket of its own on the same port (SO_REUSEPORT: the kernel
        # spreads new connections over them); this one only proves the port is ours.
        listening = listen(args.host, args.port, reuse_port=True, backlog=False)
    port = listening.getsockname()[1]
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    host = f"[{args.host}]" if ":" in args.host else args.host
    workers = f", {args.workers} workers" if args.workers > 1 else ""
    print(
        f"registry {release()}: serving http://{host}:{port} (database {where}{workers})",
        file=sys.stderr,
        flush=True,
    )
    if args.workers == 1:
        _run_worker(settings, args, limits, listening, port)
        return 0
    return _supervise(args.workers, lambda: _run_worker(settings, args, limits, None, port))


def _run_worker(
    settings: RegistrySettings,
    args: argparse.Namespace,
    limits: ServerLimits,
    sock: socket.socket | None,
    port: int,
) -> None:
    """One registry process: the app (its own engine and pool) under uvicorn on ``sock``, or
    on a socket of its own on the shared port."""
    import uvicorn

    from registry.app import create_app
    from registry.server import server_config

    if sock is None:
        sock = listen(args.host, port, reuse_port=True)
    config = server_config(
        create_app(settings),
        host=args.host,
        port=port,
        log_level=args.log_level,
        limits=limits,
        proxy=ProxyTrust(enabled=args.proxy_headers, allowed_ips=args.forwarded_allow_ips),
        access_log=args.access_log,
    )
    uvicorn.Server(config).run(sockets=[sock])


def _supervise(workers: int, work: Callable[[], None]) -> int:
    """Forks ``workers`` processes running ``work``; passes SIGTERM and SIGINT on to them.

    Returns:
        0 once all have stopped after a signal; 1 when one stopped by itself (the others are
        then stopped too, for the service manager to start the registry again).
    """
    import signal

    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # the worker
            status = 0
            try:
                work()
            except BaseException:  # its own traceback is on stderr already
                status = 1
            finally:
                os._exit(status)
        children.append(pid)
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    status = 0
    while children:
        try:
            pid, _ = os.wait()
        except ChildProcessError:
            break
        children.remove(pid)
        if not stopping:
            print(f"registry: worker {pid} stopped; stopping the others", file=sys.stderr)
            status = 1
            stop(signal.SIGTERM, None)
    return status


def listen(
    host: str, port: int, *, reuse_port: bool = False, backlog: bool = True
) -> socket.socket:
    """A TCP socket bound to ``host:port`` (IPv6 when the host is), ready to be served.

    Args:
        host: The address.
        port: The port (0: any free one).
        reuse_port: Shared with the other workers' sockets on the port (SO_REUSEPORT).
        backlog: Listening (False: only holding the port, as the workers' supervisor does).

    Raises:
        CommandError: The address cannot be had (in use, not this machine's, no permission).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        listening.bind((host, port))
        if backlog:
            listening.listen(2048)
    except OSError as error:
        listening.close()
        reason = error.strerror or type(error).__name__
        raise CommandError(f"cannot listen on {host}:{port}: {reason}") from None
    listening.set_inheritable(True)
    return listening


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
