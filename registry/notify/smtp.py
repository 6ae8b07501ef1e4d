"""Email delivery over SMTP (smtplib), UTF-8 subject and body."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid

from registry.notify.base import Notification, NotifyError, NotifyFailure


class SmtpNotifier:
    """Sends email notifications through one SMTP server, one connection per message.

    A connection per message keeps the notifier stateless and safe to share between the
    registry's worker threads; a code email is rare enough that reuse would buy nothing.

    Args:
        host: The SMTP server.
        port: Its port (25, or 587 with ``starttls``).
        sender: The From address.
        username: Login name, when the server wants one.
        password: Login password.
        starttls: Upgrade the connection with STARTTLS before logging in.
        timeout: Seconds for connecting and for each reply.
    """

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout = timeout

    def compose(self, notification: Notification) -> EmailMessage:
        """The email for a notification (``meta`` stays out of it: it may hold the code)."""
        message = EmailMessage(policy=SMTP_POLICY)
        message["From"] = self.sender
        message["To"] = notification.to
        message["Subject"] = notification.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        # base64 keeps the CJK text intact through relays that are not 8-bit clean.
        message.set_content(notification.body, charset="utf-8", cte="base64")
        return message

    def send(self, notification: Notification) -> None:
        """Delivers one email.

        Raises:
            NotifyError: ``unreachable`` (no connection), ``timeout``, or ``refused`` (the
                server said no: recipient, sender, login or data refused).
        """
        message = self.compose(notification)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._username is not None:
                    smtp.login(self._username, self._password or "")
                smtp.send_message(message)
        except smtplib.SMTPResponseException as exc:
            raise NotifyError(NotifyFailure.REFUSED, f"{exc.smtp_code}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = ",".join(str(code) for code, _text in exc.recipients.values())
            raise NotifyError(NotifyFailure.REFUSED, codes) from exc
        except smtplib.SMTPServerDisconnected as exc:
            raise NotifyError(NotifyFailure.UNREACHABLE, "disconnected") from exc
        except smtplib.SMTPException as exc:
            raise NotifyError(NotifyFailure.REFUSED, exc.__class__.__name__) from exc
        except TimeoutError as exc:
            raise NotifyError(NotifyFailure.TIMEOUT) from exc
        except OSError as exc:
            raise NotifyError(NotifyFailure.UNREACHABLE, exc.__class__.__name__) from exc
