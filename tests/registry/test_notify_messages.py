"""The messages say what the tutorial says, in Traditional Chinese, and SMS fit one message."""

from __future__ import annotations

import pytest

from kiosk.domain.contact import Channel, Contact
from kiosk.domain.i18n import Translator
from registry.notify.messages import (
    application_received_message,
    binding_approved_message,
    binding_rejected_message,
    code_message,
)

#: One SMS holds 70 characters of Chinese (UCS-2); more is split and billed twice.
SMS_LIMIT = 70


@pytest.mark.parametrize("minutes", [10, 60, 120, 90])
def test_a_code_sms_fits_one_message(minutes: int) -> None:
    sms = code_message(Contact(Channel.SMS, "+886928942045"), "549497", minutes)

    assert sms.channel is Channel.SMS
    assert sms.to == "+886928942045"
    assert len(sms.body) <= SMS_LIMIT
    assert "549497" in sms.body


def test_the_code_validity_reads_as_the_tutorial_does() -> None:
    assert "驗證碼時效為1小時" in code_message(Contact(Channel.SMS, "+886928942045"), "1", 60).body
    assert "驗證碼時效為2小時" in code_message(Contact(Channel.SMS, "+886928942045"), "1", 120).body
    assert "驗證碼時效為10分鐘" in code_message(Contact(Channel.SMS, "+886928942045"), "1", 10).body


def test_the_application_email_asks_for_the_paper_consent_form() -> None:
    mail = application_received_message(
        "annie.sun2@hy-tech.com.tw",
        parent_name="王曉明",
        receipt="K01-000042",
        students=["陳曉明"],
    )

    assert mail.channel is Channel.EMAIL
    assert mail.meta == {"kind": "application_received", "receipt": "K01-000042"}
    assert "收件編號 K01-000042" in mail.body
    assert "送出資料不等於完成綁定流程" in mail.body
    assert "下載留存" in mail.body
    assert "紙本同意書" in mail.body


def test_decisions_name_the_student_and_a_rejection_its_reason() -> None:
    approved = binding_approved_message(
        "annie.sun2@hy-tech.com.tw", parent_name="王曉明", student="陳曉明"
    )
    rejected = binding_rejected_message(
        "annie.sun2@hy-tech.com.tw", parent_name="王曉明", student="陳曉明", reason="查無此生"
    )

    assert "陳曉明" in approved.body
    assert approved.subject.endswith("綁定成功")
    assert "原因：查無此生" in rejected.body
    assert rejected.subject.endswith("申請不通過")


def test_without_a_catalog_the_english_words_are_used() -> None:
    mail = code_message(
        Contact(Channel.EMAIL, "a@example.com"), "549497", 60, translator=Translator("en")
    )

    assert "Your verification code is 549497. It is valid for 1 hour" in mail.body
