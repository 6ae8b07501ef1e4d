"""Settings build the right notifier, and the router sends each channel its own way."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from kiosk.domain.contact import Channel, Contact
from registry.notify import (
    ChannelRouter,
    FileOutbox,
    NotifyConfig,
    NotifyError,
    NotifyFailure,
    build_notifier,
)
from registry.notify.messages import code_message
from tests.registry.sms_gateway_double import running_gateway
from tests.registry.test_notify_smtp import body_of, running_smtp

EMAIL = Contact(Channel.EMAIL, "cooc123@gmail.com")
PHONE = Contact(Channel.SMS, "+886928942045")


def test_the_default_settings_write_to_the_file_outbox(tmp_path: Path) -> None:
    notifier = build_notifier(NotifyConfig(outbox=tmp_path / "outbox.jsonl"))

    notifier.send(code_message(EMAIL, "549497", 60))

    assert isinstance(notifier, FileOutbox)
    assert [e.to for e in notifier.latest(5)] == ["cooc123@gmail.com"]


def test_smtp_and_sms_settings_send_email_by_smtp_and_sms_by_the_gateway() -> None:
    with running_smtp() as (inbox, port), running_gateway() as gateway:
        config = NotifyConfig.model_validate(
            {
                "kind": "smtp+sms",
                "smtp": {"host": "127.0.0.1", "port": port, "sender": "no-reply@cooc.tp.edu.tw"},
                "sms": {"url": gateway.url, "username": "school", "password": "pa55"},
            }
        )
        notifier = build_notifier(config)

        notifier.send(code_message(EMAIL, "111111", 60))
        notifier.send(code_message(PHONE, "222222", 60))

        [mail] = inbox.messages
        [form] = gateway.posts
    assert mail["X-RcptTo"] == "cooc123@gmail.com"
    assert "111111" in body_of(mail)
    assert form["dstaddr"] == "0928942045"
    assert "222222" in form["smbody"]


def test_smtp_and_sms_without_their_settings_is_refused() -> None:
    with pytest.raises(ValidationError, match="needs both"):
        NotifyConfig.model_validate({"kind": "smtp+sms", "smtp": {"host": "127.0.0.1"}})


def test_the_password_settings_do_not_show_when_printed() -> None:
    config = NotifyConfig.model_validate(
        {"sms": {"url": "http://127.0.0.1:9/", "username": "school", "password": "pa55"}}
    )

    assert "pa55" not in repr(config)


def test_a_channel_without_a_notifier_is_refused(tmp_path: Path) -> None:
    router = ChannelRouter(email=FileOutbox(tmp_path / "outbox.jsonl"))

    router.send(code_message(EMAIL, "549497", 60))
    with pytest.raises(NotifyError) as caught:
        router.send(code_message(PHONE, "549497", 60))

    assert caught.value.reason is NotifyFailure.NO_ROUTE
    assert len(FileOutbox(tmp_path / "outbox.jsonl").latest(10)) == 1
