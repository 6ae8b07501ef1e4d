"""SMS through an HTTP gateway in the style of the common Taiwanese ones (Mitake, Every8d).

The gateway takes a form POST::

    username=...&password=...&dstaddr=0912345678&smbody=...

and answers ``200`` with plain ``key=value`` lines, possibly under a ``[1]`` section header::

    [1]
    msgid=1010079522
    statuscode=1
    AccountPoint=98

``statuscode`` 0, 1, 2 and 4 mean accepted (queued, sent to the carrier, delivered); anything
else (``e``: bad login, ``k``: bad number, ``n``: no credit, ...) is a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from kiosk.domain.contact import parse_mobile
from kiosk.domain.errors import DomainError
from registry.notify.base import Notification, NotifyError, NotifyFailure

#: Gateway status codes that mean the message was accepted.
ACCEPTED_STATUSES = frozenset({"0", "1", "2", "4"})


@dataclass(frozen=True, slots=True)
class GatewayReceipt:
    """What the gateway said about an accepted message.

    Attributes:
        msgid: The gateway's id for the message.
        status: Its status code (one of :data:`ACCEPTED_STATUSES`).
    """

    msgid: str
    status: str


def parse_reply(text: str) -> Mapping[str, str]:
    """The ``key=value`` lines of a gateway reply (section headers and blank lines skipped)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key:
            fields[key.strip().lower()] = value.strip()
    return fields


class SmsGateway:
    """Sends SMS notifications through an HTTP gateway.

    Args:
        url: The gateway's send endpoint.
        username: The account name at the gateway.
        password: Its password.
        timeout: Seconds for connecting and for the reply.
    """

    def __init__(self, url: str, username: str, password: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self._username = username
        self._password = password
        self._timeout = timeout

    def send(self, notification: Notification) -> None:
        """Delivers one SMS.

        Raises:
            NotifyError: ``unreachable``, ``timeout``, ``http_status`` (with the status),
                ``refused`` (with the gateway's status code, or the domain's code when the
                address is no mobile number) or ``bad_reply``.
        """
        self.deliver(notification)

    def deliver(self, notification: Notification) -> GatewayReceipt:
        """Delivers one SMS and returns the gateway's receipt (see :meth:`send`)."""
        try:
            # Local gateways take the national form (0928942045), not E.164.
            destination = parse_mobile(notification.to).national
        except DomainError as exc:
            raise NotifyError(NotifyFailure.REFUSED, exc.code.value) from exc
        form = {
            "username": self._username,
            "password": self._password,
            "dstaddr": destination,
            "smbody": notification.body,
            "encoding": "UTF8",
        }
        try:
            response = httpx.post(self.url, data=form, timeout=self._timeout)
        except httpx.TimeoutException as exc:
            # The gateway may have taken it: the caller must not assume it went nowhere.
            raise NotifyError(NotifyFailure.TIMEOUT) from exc
        except httpx.HTTPError as exc:
            raise NotifyError(NotifyFailure.UNREACHABLE, exc.__class__.__name__) from exc
        if response.status_code != httpx.codes.OK:
            raise NotifyError(NotifyFailure.HTTP_STATUS, str(response.status_code))
        fields = parse_reply(response.text)
        status = fields.get("statuscode")
        if status is None:
            raise NotifyError(NotifyFailure.BAD_REPLY)
        if status not in ACCEPTED_STATUSES:
            raise NotifyError(NotifyFailure.REFUSED, f"statuscode={status}")
        return GatewayReceipt(msgid=fields.get("msgid", ""), status=status)
