"""The HTTP floor: a bare FastAPI app validating a small POST body, under the same uvicorn
(``uvicorn[standard]``: uvloop, httptools) as the registry. ``python _bare_app.py PORT``."""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel


class Small(BaseModel):
    """A body of the size of a look-up's."""

    level: str
    student_id: str
    school_code: str


app = FastAPI()


@app.post("/echo")
async def echo(body: Small) -> Small:
    """Validates the body and sends it back."""
    return body


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
