"""Email reaches a real SMTP server (aiosmtpd on loopback) in UTF-8 Traditional Chinese."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
from aiosmtpd import handlers
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from kiosk.domain.contact import Channel, Contact
from registry.notify import NotifyError, NotifyFailure, SmtpNotifier
from registry.notify.messages import account_created_message, code_message

SENDER = "no-reply@cooc.tp.edu.tw"


class Inbox(handlers.Message):
    """Keeps every message the server accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Message] = []

    def handle_message(self, message: Message) -> None:
        self.messages.append(message)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (just now)."""
    # aiosmtpd's Controller checks readiness by connecting to its port, so it needs a real one.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"registry",
        b"s3cret",
    )
    # handled=False: let the server answer the refusal itself (535).
    return AuthResult(success=ok, handled=False)


@contextmanager
def running_smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; login ``registry`` / ``s3cret`` if asked."""
    handler = Inbox()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=_authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with running_smtp() as running:
        yield running


def body_of(message: Message) -> str:
    """The decoded text of a received single-part email."""
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "ascii")


def subject_of(message: Message) -> str:
    """The decoded subject of a received email."""
    return str(make_header(decode_header(str(message["Subject"]))))


def test_a_code_email_arrives_with_a_chinese_subject_and_the_tutorials_sentence(
    inbox: tuple[Inbox, int],
) -> None:
    handler, port = inbox
    notifier = SmtpNotifier("127.0.0.1", port, SENDER, timeout=5)

    notifier.send(code_message(Contact(Channel.EMAIL, "cooc123@gmail.com"), "549497", minutes=60))

    [message] = handler.messages
    assert message["X-RcptTo"] == "cooc123@gmail.com"
    assert message["To"] == "cooc123@gmail.com"
    assert message["From"] == SENDER
    assert subject_of(message) == "臺北酷課雲親子綁定：驗證碼通知"
    assert message.get_content_charset() == "utf-8"
    assert "您的驗證碼為 549497，驗證碼時效為1小時，使用後即失效。" in body_of(message)


def test_the_account_email_gives_the_login_and_the_password_rule_not_the_password(
    inbox: tuple[Inbox, int],
) -> None:
    handler, port = inbox
    notifier = SmtpNotifier(
        "127.0.0.1", port, SENDER, username="registry", password="s3cret", timeout=5
    )

    notifier.send(
        account_created_message(
            "annie.sun2@hy-tech.com.tw",
            parent_name="王曉明",
            students=["吳大寶", "吳二寶"],
            valid_days=14,
        )
    )

    [message] = handler.messages
    body = body_of(message)
    assert subject_of(message) == "臺北酷課雲親子綁定：帳號建立通知"
    assert "王曉明 您好" in body
    assert "吳大寶、吳二寶" in body
    assert "帳號：annie.sun2@hy-tech.com.tw" in body
    assert "密碼：身分證後六碼" in body
    assert "109161" not in body
    assert "14天內" in body


def test_a_wrong_login_is_refused(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    notifier = SmtpNotifier(
        "127.0.0.1", port, SENDER, username="registry", password="wrong", timeout=5
    )

    with pytest.raises(NotifyError) as caught:
        notifier.send(code_message(Contact(Channel.EMAIL, "a@example.com"), "123456", 60))

    assert caught.value.reason is NotifyFailure.REFUSED
    assert caught.value.detail == "535"
    assert handler.messages == []


def test_no_server_listening_is_unreachable() -> None:
    notifier = SmtpNotifier("127.0.0.1", free_port(), SENDER, timeout=2)

    with pytest.raises(NotifyError) as caught:
        notifier.send(code_message(Contact(Channel.EMAIL, "a@example.com"), "123456", 60))

    assert caught.value.reason is NotifyFailure.UNREACHABLE
