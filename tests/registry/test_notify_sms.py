"""SMS go out through an HTTP gateway (the loopback double) and its replies are understood."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.domain.contact import Channel, Contact
from registry.notify import NotifyError, NotifyFailure, SmsGateway
from registry.notify.messages import code_message
from tests.registry.sms_gateway_double import GatewayDouble, Mode, running_gateway

PHONE = "+886928942045"


@pytest.fixture
def gateway() -> Iterator[GatewayDouble]:
    with running_gateway() as double:
        yield double


def _sms() -> Contact:
    return Contact(Channel.SMS, PHONE)


def test_an_accepted_sms_posts_the_form_the_gateway_expects(gateway: GatewayDouble) -> None:
    sms = SmsGateway(gateway.url, "school", "pa55", timeout=5)

    receipt = sms.deliver(code_message(_sms(), "549497", minutes=60))

    [form] = gateway.posts
    assert form["username"] == "school"
    assert form["password"] == "pa55"
    assert form["dstaddr"] == "0928942045"
    assert form["smbody"] == "【臺北酷課雲】您的驗證碼為 549497，驗證碼時效為1小時，使用後即失效。"
    assert len(form["smbody"]) <= 70
    assert receipt.status == "1"
    assert receipt.msgid == "#000000001"


def test_a_gateway_error_status_is_a_refusal(gateway: GatewayDouble) -> None:
    gateway.mode = Mode.REFUSE
    sms = SmsGateway(gateway.url, "school", "wrong", timeout=5)

    with pytest.raises(NotifyError) as caught:
        sms.send(code_message(_sms(), "549497", minutes=60))

    assert caught.value.reason is NotifyFailure.REFUSED
    assert caught.value.detail == "statuscode=e"


def test_http_500_is_reported_with_its_status(gateway: GatewayDouble) -> None:
    gateway.mode = Mode.SERVER_ERROR
    sms = SmsGateway(gateway.url, "school", "pa55", timeout=5)

    with pytest.raises(NotifyError) as caught:
        sms.send(code_message(_sms(), "549497", minutes=60))

    assert caught.value.reason is NotifyFailure.HTTP_STATUS
    assert caught.value.detail == "500"


def test_a_reply_without_a_status_is_not_taken_for_success(gateway: GatewayDouble) -> None:
    gateway.mode = Mode.GARBLED
    sms = SmsGateway(gateway.url, "school", "pa55", timeout=5)

    with pytest.raises(NotifyError) as caught:
        sms.send(code_message(_sms(), "549497", minutes=60))

    assert caught.value.reason is NotifyFailure.BAD_REPLY


def test_a_gateway_that_does_not_answer_times_out(gateway: GatewayDouble) -> None:
    gateway.mode = Mode.HANG
    sms = SmsGateway(gateway.url, "school", "pa55", timeout=0.3)

    with pytest.raises(NotifyError) as caught:
        sms.send(code_message(_sms(), "549497", minutes=60))

    assert caught.value.reason is NotifyFailure.TIMEOUT
    assert len(gateway.posts) == 1


def test_a_gateway_that_is_down_is_unreachable() -> None:
    with running_gateway() as double:
        url = double.url
    sms = SmsGateway(url, "school", "pa55", timeout=2)

    with pytest.raises(NotifyError) as caught:
        sms.send(code_message(_sms(), "549497", minutes=60))

    assert caught.value.reason is NotifyFailure.UNREACHABLE


def test_a_landline_is_never_posted(gateway: GatewayDouble) -> None:
    sms = SmsGateway(gateway.url, "school", "pa55", timeout=5)

    with pytest.raises(NotifyError) as caught:
        sms.send(code_message(Contact(Channel.SMS, "+886287986336"), "549497", minutes=60))

    assert caught.value.reason is NotifyFailure.REFUSED
    assert caught.value.detail == "phone.not_mobile"
    assert gateway.posts == []
