"""The HTTP floor and ceiling, under the same uvicorn (``uvicorn[standard]``: uvloop, httptools)
as the registry.

``python _bare_app.py PORT``: the floor, a bare FastAPI app validating a small POST body.

``python _bare_app.py PORT DATABASE_URL [WORKERS]``: also the look-up's ceiling,
``POST /lookup``: the body validated, then one statement in a transaction of its own, committed
— a token id spent and the pupil read by ID number and school, the least any look-up must do
(one kiosk token never taken twice, the roster's answer) — over a pool of 16 async connections
per process. ``POST /submit``: a submission's body (parsed, not checked), then one statement
committed — the token spent (the application's id), the application and its one binding
written. No JWT, no parent session, no attempt counting, no rule: no registry can answer a
look-up or take a submission faster than these on this stack and this machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

#: The database of the ceiling (passed down to forked workers by the environment).
_DATABASE = "BENCH_CEILING_DATABASE"
#: Async connections per process, as many as the registry's worker threads.
POOL = 16
#: The ceiling's one statement: the token id spent and the pupil read, in one round trip.
LOOKUP = (
    "WITH spent AS (INSERT INTO bench_spent_tokens (id) VALUES (%s) RETURNING id) "
    "SELECT name FROM students WHERE id_number = %s AND school_code = %s AND enrolled"
)

#: The submission's ceiling: the token spent, the application and its binding written, in one.
SUBMIT = (
    "WITH spent AS (INSERT INTO bench_spent_tokens (id) VALUES (%s)),"
    " application AS (INSERT INTO bench_applications (id, body) VALUES (%s, %s::jsonb))"
    " INSERT INTO bench_bindings (application_id, student_id) VALUES (%s, %s)"
)


class Small(BaseModel):
    """A body of the size of a look-up's."""

    level: str
    student_id: str
    school_code: str


class Lookup(Small):
    """A look-up's body with the id of the token it spends."""

    token: str


@asynccontextmanager
async def _pool(_app: FastAPI) -> AsyncIterator[None]:
    url = os.environ.get(_DATABASE)
    if not url:
        yield
        return
    import psycopg

    connections: asyncio.Queue[Any] = asyncio.Queue()
    for _ in range(POOL):
        connections.put_nowait(await psycopg.AsyncConnection.connect(url, autocommit=True))
    app.state.connections = connections
    yield
    while not connections.empty():
        await connections.get_nowait().close()


app = FastAPI(lifespan=_pool)


@app.post("/echo")
async def echo(body: Small) -> Small:
    """Validates the body and sends it back."""
    return body


@app.post("/submit")
async def submit(body: dict[str, Any]) -> dict[str, str]:
    """Spends the token, writes the application and its binding in one committed statement."""
    application = body["application_id"]
    connections: asyncio.Queue[Any] = app.state.connections
    connection = await connections.get()
    try:
        await connection.execute(
            SUBMIT,
            (
                application,
                application,
                json.dumps(body),
                application,
                body["students"][0]["student_id"],
            ),
            prepare=True,
        )
    finally:
        connections.put_nowait(connection)
    return {"receipt": body["receipt"]}


@app.post("/lookup")
async def lookup(body: Lookup) -> dict[str, bool]:
    """Spends the token and reads the pupil in one committed statement."""
    connections: asyncio.Queue[Any] = app.state.connections
    connection = await connections.get()
    try:
        cursor = await connection.execute(
            LOOKUP, (body.token, body.student_id, body.school_code), prepare=True
        )
        found = await cursor.fetchone() is not None
    finally:
        connections.put_nowait(connection)
    return {"found": found}


if __name__ == "__main__":
    port = int(sys.argv[1])
    if len(sys.argv) > 2:
        os.environ[_DATABASE] = sys.argv[2]
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    uvicorn.run(
        "_bare_app:app" if workers > 1 else app,
        app_dir=os.path.dirname(os.path.abspath(__file__)),
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
