"""The words of every message the registry sends, built in the reader's language.

Every sentence is an English gettext message id translated in ``kiosk/locale``; the builders only
choose the sentences and fill in the values. An SMS body stays within one message: 70
characters in Chinese (UCS-2), 160 in English (plain ASCII goes as GSM-7).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

from kiosk.domain.contact import Channel, Contact
from kiosk.domain.i18n import Translator
from registry.notify.base import Notification

#: What ``meta["kind"]`` says for each kind of message (the file outbox and the demo read it).
KIND_CODE = "code"
KIND_APPLICATION_RECEIVED = "application_received"
KIND_ACCOUNT_CREATED = "account_created"
KIND_BINDING_APPROVED = "binding_approved"
KIND_BINDING_REJECTED = "binding_rejected"


def _duration(t: Translator, minutes: int) -> str:
    """How long something lasts, in whole hours where it is whole hours (「1小時」)."""
    if minutes == 60:
        return t.gettext("1 hour")
    if minutes > 0 and minutes % 60 == 0:
        return t.gettext("{hours} hours").format(hours=minutes // 60)
    return t.gettext("{minutes} minutes").format(minutes=minutes)


def _names(t: Translator, names: Sequence[str]) -> str:
    """A list of names joined the way the language joins them (「吳大寶、吳二寶」)."""
    return t.gettext(", ").join(names)


def code_message(
    contact: Contact, code: str, minutes: int, *, translator: Translator | None = None
) -> Notification:
    """The verification code, by email or SMS.

    Args:
        contact: Where the code goes (its channel decides the form of the message).
        code: The six digits.
        minutes: How long the code is valid.
        translator: The reader's language (Traditional Chinese when not given).
    """
    t = translator or Translator()
    text = t.gettext(
        "Your verification code is {code}. It is valid for {duration}; once used, it expires."
    ).format(code=code, duration=_duration(t, minutes))
    subject = t.gettext("Taipei CoolClass parent binding: your verification code")
    if contact.channel is Channel.SMS:
        body = t.gettext("[Taipei CoolClass] {text}").format(text=text)
    else:
        body = "\n\n".join(
            (
                t.gettext("Hello,"),
                text,
                t.gettext(
                    "If you did not ask for this code, you can ignore this message: "
                    "nothing happens without it."
                ),
                t.gettext(
                    "Taipei CoolClass (this message was sent automatically; please do not reply)"
                ),
            )
        )
    return Notification(
        channel=contact.channel,
        to=contact.address,
        subject=subject,
        body=body,
        meta=MappingProxyType({"kind": KIND_CODE, "code": code}),
    )


def application_received_message(
    email: str,
    *,
    parent_name: str | None,
    receipt: str,
    students: Sequence[str],
    translator: Translator | None = None,
) -> Notification:
    """Confirms a submitted application and says what comes next (review, the paper form).

    Args:
        email: The parent's email (the application's).
        parent_name: The parent's full name; None for an address the parent did not verify
            (then nothing the request said is written into the mail).
        receipt: The application's receipt number.
        students: The names of the students applied for (from the roster).
        translator: The reader's language (Traditional Chinese when not given).
    """
    t = translator or Translator()
    body = "\n\n".join(
        (
            (
                t.gettext("Dear {name},").format(name=parent_name)
                if parent_name is not None
                else t.gettext("Dear parent,")
            ),
            t.gettext(
                "We have received your parent binding application (receipt {receipt}) "
                "for: {students}."
            ).format(receipt=receipt, students=_names(t, students)),
            t.gettext(
                "Submitting the data does not complete the binding: the homeroom teacher "
                "reviews each application first."
            ),
            t.gettext(
                "Please download and keep the application form, sign the paper consent form "
                "and hand it in to the school."
            ),
            t.gettext(
                "You can check the progress at any time by verifying this email address or "
                "your mobile number again."
            ),
            t.gettext(
                "Taipei CoolClass (this message was sent automatically; please do not reply)"
            ),
        )
    )
    return Notification(
        channel=Channel.EMAIL,
        to=email,
        subject=t.gettext("Taipei CoolClass parent binding: application received"),
        body=body,
        meta=MappingProxyType({"kind": KIND_APPLICATION_RECEIVED, "receipt": receipt}),
    )


def account_created_message(
    email: str,
    *,
    parent_name: str,
    students: Sequence[str],
    valid_days: int,
    translator: Translator | None = None,
) -> Notification:
    """Tells the parent the first approval created their account, and how to sign in.

    The password itself is never written down: the message states the rule (the last six
    characters of the ID number), as the city's own notice does.

    Args:
        email: The parent's email, which is also the login.
        parent_name: The parent's full name.
        students: The names of the students now bound.
        valid_days: Days the account waits for its first sign-in before it expires.
        translator: The reader's language (Traditional Chinese when not given).
    """
    t = translator or Translator()
    body = "\n\n".join(
        (
            t.gettext("Dear {name},").format(name=parent_name),
            t.gettext(
                "The homeroom teacher has approved your binding to {students}, and your Taipei "
                "campus single sign-on parent account has been created."
            ).format(students=_names(t, students)),
            "\n".join(
                (
                    t.gettext("Account: {email}").format(email=email),
                    t.gettext("Password: the last six characters of your ID number"),
                )
            ),
            t.gettext(
                "You must change the password the first time you sign in. Please sign in to "
                "Taipei CoolClass within {days} days; an account not used by then expires."
            ).format(days=valid_days),
            t.gettext(
                "Taipei CoolClass (this message was sent automatically; please do not reply)"
            ),
        )
    )
    return Notification(
        channel=Channel.EMAIL,
        to=email,
        subject=t.gettext("Taipei CoolClass parent binding: your account has been created"),
        body=body,
        meta=MappingProxyType({"kind": KIND_ACCOUNT_CREATED, "login": email}),
    )


def binding_approved_message(
    email: str, *, parent_name: str, student: str, translator: Translator | None = None
) -> Notification:
    """Tells a parent who already has an account that one more binding was approved.

    Args:
        email: The parent's email (their login).
        parent_name: The parent's full name.
        student: The student's name.
        translator: The reader's language (Traditional Chinese when not given).
    """
    t = translator or Translator()
    body = "\n\n".join(
        (
            t.gettext("Dear {name},").format(name=parent_name),
            t.gettext(
                "The homeroom teacher has approved your binding to {student}. Sign in to Taipei "
                "CoolClass with your account {email} to see it."
            ).format(student=student, email=email),
            t.gettext(
                "Taipei CoolClass (this message was sent automatically; please do not reply)"
            ),
        )
    )
    return Notification(
        channel=Channel.EMAIL,
        to=email,
        subject=t.gettext("Taipei CoolClass parent binding: binding approved"),
        body=body,
        meta=MappingProxyType({"kind": KIND_BINDING_APPROVED}),
    )


def binding_rejected_message(
    email: str,
    *,
    parent_name: str,
    student: str,
    reason: str,
    translator: Translator | None = None,
) -> Notification:
    """Tells the parent an application was not approved, and why.

    Args:
        email: The parent's email (the application's).
        parent_name: The parent's full name.
        student: The student's name.
        reason: The reviewer's reason, as they wrote it.
        translator: The reader's language (Traditional Chinese when not given).
    """
    t = translator or Translator()
    body = "\n\n".join(
        (
            t.gettext("Dear {name},").format(name=parent_name),
            t.gettext("Your application to bind {student} was not approved.").format(
                student=student
            ),
            t.gettext("Reason: {reason}").format(reason=reason),
            t.gettext(
                "You can check the progress by verifying your email address or mobile number "
                "again, and apply again once the reason is resolved."
            ),
            t.gettext(
                "Taipei CoolClass (this message was sent automatically; please do not reply)"
            ),
        )
    )
    return Notification(
        channel=Channel.EMAIL,
        to=email,
        subject=t.gettext("Taipei CoolClass parent binding: application not approved"),
        body=body,
        meta=MappingProxyType({"kind": KIND_BINDING_REJECTED}),
    )
