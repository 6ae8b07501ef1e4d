"""The one interface every way of telling a parent something goes through."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from kiosk.domain.contact import Channel


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to one address.

    Attributes:
        channel: Email or SMS; decides which notifier delivers it.
        to: The address: an email address, or a mobile number in E.164 (``+886912345678``).
        subject: The email subject (SMS gateways that take a subject get it too).
        body: The text, already in the reader's language.
        meta: Machine-readable facts about the message (``{"kind": "code", "code": "549497"}``);
            the file outbox keeps them so the demo and the tests can find a code without parsing
            prose. Never sent to SMTP or the gateway.
    """

    channel: Channel
    to: str
    subject: str
    body: str
    meta: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


class NotifyFailure(StrEnum):
    """Why a message could not be handed over (stable, for logs and metrics, never shown)."""

    UNREACHABLE = "unreachable"
    """The mail server or gateway could not be connected to."""
    TIMEOUT = "timeout"
    """It did not answer in time; the message may or may not have gone out."""
    REFUSED = "refused"
    """It answered and refused the message (bad recipient, bad credentials, no credit...)."""
    HTTP_STATUS = "http_status"
    """The gateway answered with an HTTP error status."""
    BAD_REPLY = "bad_reply"
    """The gateway's reply could not be understood."""
    NO_ROUTE = "no_route"
    """No notifier is configured for the message's channel."""
    OUTBOX = "outbox"
    """The file outbox could not be written."""


class NotifyError(Exception):
    """A message could not be delivered.

    Attributes:
        reason: What kind of failure it was.
        detail: What the other side said (an SMTP reply, the gateway's status code), for the
            operator's log; never shown to a parent and never holding the message itself.
    """

    def __init__(self, reason: NotifyFailure, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail


class Notifier(Protocol):
    """Delivers notifications; synchronous, like the registry's endpoints."""

    def send(self, notification: Notification) -> None:
        """Delivers one notification.

        Raises:
            NotifyError: It could not be delivered (with the reason).
        """
        ...
