"""Every ``registry`` failure is one line on stderr and an exit status, never a traceback; piped
output is JSON lines; add-staff takes its password from a prompt or stdin; import-roster reads
Big5 / CP950 files when told and says how when not.

The commands run as an operator runs them: ``python -m registry`` in a process of its own.
"""

from __future__ import annotations

import json
import os
import pty
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from registry.services.roster_file import COLUMNS
from tests.registry.harness import free_port

HEADER = ",".join(COLUMNS)
ROSTER = f"""{HEADER}
高中,353301,臺北市私立日曜學校,資訊二忠,353301.t1,林美玲,A123456789,陳曉明
"""


def _registry(
    *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("REGISTRY_") and key not in {"FORCE_COLOR", "TTY_COMPATIBLE"}
    }
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        capture_output=True,
        text=True,
        timeout=60,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        env={
            **environment,
            "REGISTRY_PASSWORD_HASHING__TIME_COST": "1",
            "REGISTRY_PASSWORD_HASHING__MEMORY_COST_KIB": "8",
            "REGISTRY_PASSWORD_HASHING__PARALLELISM": "1",
            **(env or {}),
        },
    )


def _one_line(done: subprocess.CompletedProcess[str], status: int) -> str:
    """The failure's single stderr line, after checking the exit status and that no traceback
    and nothing on stdout came with it."""
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


# --- failures ------------------------------------------------------------------------------------


def test_an_unreachable_postgresql_is_one_line_and_status_3(tmp_path: Path) -> None:
    url = f"postgresql://postgres:secret@127.0.0.1:{free_port()}/registry"
    commands = (["serve", "--port", "0"], ["migrate"], ["add-kiosk", "--school", "1"], ["audit"])
    for command in commands:
        line = _one_line(_registry(*command, "--database", url, "--data", str(tmp_path)), 3)
        assert line.startswith("registry: cannot use postgresql://postgres:***@127.0.0.1:")
        assert "secret" not in line
        assert "refused" in line.lower()


def test_add_kiosk_for_a_school_not_on_the_roster_names_the_next_step(tmp_path: Path) -> None:
    done = _registry("add-kiosk", "--school", "999999", "--data", str(tmp_path))
    assert _one_line(done, 1) == "registry: unknown school code 999999; import the roster first"
    assert done.stdout == ""


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    done = _registry("--debug", "add-kiosk", "--school", "999999", "--data", str(tmp_path))
    assert done.returncode == 1
    assert "Traceback" in done.stderr


def test_a_missing_roster_file_is_one_line(tmp_path: Path) -> None:
    line = _one_line(_registry("import-roster", str(tmp_path / "no.csv")), 1)
    assert "no.csv" in line
    assert "No such file" in line


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["add-kiosk", "--school", "1", "--database", "nonsense://x"], {}),
        (["add-kiosk", "--school", "1"], {"REGISTRY_LIMITS__SMS_MAX": "0"}),
        (["audit", "--since", "yesterday"], {}),
        (["no-such-command"], {}),
    ],
    ids=["database-url", "setting", "option", "command"],
)
def test_bad_input_is_one_line_and_status_2(
    tmp_path: Path, args: list[str], env: dict[str, str]
) -> None:
    line = _one_line(_registry(*args, env={"REGISTRY_DATA_DIR": str(tmp_path), **env}), 2)
    assert line.startswith("registry")


def test_serve_on_an_address_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _registry("serve", "--port", str(port), "--data", str(tmp_path))
    assert _one_line(done, 1) == (
        f"registry: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_migrate_brings_a_new_database_to_head_then_has_nothing_to_do(tmp_path: Path) -> None:
    first = _registry("migrate", "--data", str(tmp_path))
    again = _registry("migrate", "--data", str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert "migrated from revision (empty) to" in first.stdout
    assert again.returncode == 0, again.stderr
    assert "nothing to do" in again.stdout


# --- piped: JSON lines ---------------------------------------------------------------------------


def test_piped_demo_data_prints_every_login_whole_as_json(tmp_path: Path) -> None:
    done = _registry("demo-data", "--data", str(tmp_path))
    assert done.returncode == 0, done.stderr
    logins = [json.loads(line) for line in done.stdout.splitlines()]
    assert "annie.sun2@hy-tech.com.tw" in {login["username"] for login in logins}
    assert {login["kind"] for login in logins} == {"admin", "teacher", "parent"}
    assert "示範帳號" not in done.stdout  # the tables and the notes go to stderr
    assert "更改預設密碼" in done.stderr


def test_on_a_narrow_terminal_the_tables_fold_rather_than_cut(tmp_path: Path) -> None:
    done = _registry(
        "demo-logins",
        env={"TTY_COMPATIBLE": "1", "NO_COLOR": "1", "COLUMNS": "50"},
    )
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    # The Login column's pieces, top to bottom, make the logins again.
    login_column = "".join(
        line.split("│")[2].strip() for line in done.stdout.splitlines() if line.startswith("│")
    )
    assert "353301.t1" in login_column
    assert "353301.admin" in login_column


# --- add-staff's password ------------------------------------------------------------------------


def _roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    data = tmp_path / "data"
    assert _registry("import-roster", "--data", str(data), str(path)).returncode == 0
    return data


def test_add_staff_reads_the_password_from_stdin_and_does_not_print_it(tmp_path: Path) -> None:
    data = _roster(tmp_path)
    done = _registry(
        "add-staff",
        "--username",
        "clerk",
        "--role",
        "admin",
        "--school",
        "353301",
        "--password-stdin",
        "--data",
        str(data),
        input="a-long-password-1\n",
    )
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    assert made["username"] == "clerk"
    assert "password" not in made
    assert "a-long-password-1" not in done.stdout + done.stderr


def test_a_password_on_the_command_line_is_warned_about(tmp_path: Path) -> None:
    data = _roster(tmp_path)
    done = _registry(
        "add-staff",
        *("--username", "clerk", "--role", "admin", "--school", "353301"),
        *("--password", "a-long-password-1", "--data", str(data)),
    )
    assert done.returncode == 0, done.stderr
    assert "history" in done.stderr


def test_on_a_terminal_add_staff_asks_for_the_password_without_echo(tmp_path: Path) -> None:
    data = _roster(tmp_path)
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the command on the pty
        os.execve(
            sys.executable,
            [
                sys.executable,
                "-m",
                "registry",
                *("add-staff", "--username", "clerk", "--role", "admin"),
                *("--school", "353301", "--data", str(data)),
            ],
            {**os.environ, "REGISTRY_PASSWORD_HASHING__TIME_COST": "1"},
        )
    seen = b""

    def read_until(marker: bytes) -> None:
        nonlocal seen
        deadline = time.monotonic() + 30
        while marker not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([terminal], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(terminal, 4096)
                except OSError:
                    return

    read_until(b"Password for clerk")
    os.write(terminal, b"a-long-password-1\n")
    read_until(b"The same again")
    os.write(terminal, b"a-long-password-1\n")
    read_until(b'"staff_id"')
    read_until(b"}")
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 0, seen.decode(errors="replace")
    assert b'"username": "clerk"' in seen
    assert b"a-long-password-1" not in seen  # neither echoed nor printed


# --- import-roster -------------------------------------------------------------------------------


def test_import_roster_help_names_the_columns() -> None:
    done = _registry("import-roster", "--help")
    assert done.returncode == 0
    for column in ("level", "school_code", "teacher_username", "student_id", "student_name"):
        assert column in done.stdout
    assert "--encoding" in done.stdout


def test_a_cp950_roster_is_refused_with_the_way_out_and_read_when_told(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(ROSTER.encode("cp950"))
    data = str(tmp_path / "data")

    line = _one_line(_registry("import-roster", "--data", data, str(path)), 1)
    assert "not UTF-8" in line
    assert "--encoding cp950" in line

    done = _registry("import-roster", "--encoding", "cp950", "--data", data, str(path))
    assert done.returncode == 0, done.stderr
    assert "名冊匯入：共 1 列" in done.stdout


def test_every_option_of_both_commands_says_what_it_is_for() -> None:
    import argparse

    from kiosk.cli import build_parser as kiosk_parser
    from registry.cli import build_parser as registry_parser

    silent = []
    for parser in (registry_parser(), kiosk_parser()):
        [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        for name, command in commands.choices.items():
            silent += [
                f"{parser.prog} {name} {action.option_strings or action.dest}"
                for action in command._actions
                if action.help is None and not isinstance(action, argparse._HelpAction)
            ]
    assert silent == []
