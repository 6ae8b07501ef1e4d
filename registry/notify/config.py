"""Settings of the notifiers, for the registry's settings to nest, and the factory."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from registry.notify.base import Notifier
from registry.notify.outbox import FileOutbox
from registry.notify.router import ChannelRouter
from registry.notify.sms import SmsGateway
from registry.notify.smtp import SmtpNotifier


class SmtpConfig(BaseModel):
    """Where email goes."""

    model_config = ConfigDict(use_attribute_docstrings=True, frozen=True)

    host: str = "127.0.0.1"
    """The SMTP server."""
    port: int = Field(default=25, ge=1, le=65535)
    """Its port (25, or 587 with STARTTLS)."""
    sender: str = "no-reply@cooc.tp.edu.tw"
    """The From address of every email."""
    username: str | None = None
    """Login name, when the server wants one."""
    password: SecretStr | None = None
    """Login password."""
    starttls: bool = False
    """Upgrade the connection with STARTTLS before logging in."""
    timeout: float = Field(default=10.0, gt=0)
    """Seconds for connecting and for each reply."""


class SmsGatewayConfig(BaseModel):
    """Where SMS go: an HTTP gateway taking a form POST (Mitake/Every8d style)."""

    model_config = ConfigDict(use_attribute_docstrings=True, frozen=True)

    url: str
    """The gateway's send endpoint."""
    username: str
    """The account name at the gateway."""
    password: SecretStr
    """Its password."""
    timeout: float = Field(default=10.0, gt=0)
    """Seconds for connecting and for the reply."""


class NotifyConfig(BaseModel):
    """How the registry tells parents things.

    ``file`` (the default, for the demo and the tests) writes every message to the outbox file;
    ``smtp+sms`` sends email over SMTP and SMS through the gateway.
    """

    model_config = ConfigDict(use_attribute_docstrings=True, frozen=True)

    kind: Literal["file", "smtp+sms"] = "file"
    """Which notifiers to use."""
    outbox: Path = Path("outbox.jsonl")
    """The file outbox (``kind = "file"``); relative paths are taken from the working folder,
    so the registry's settings should set it inside their data folder."""
    smtp: SmtpConfig | None = None
    """Email settings (required for ``smtp+sms``)."""
    sms: SmsGatewayConfig | None = None
    """SMS gateway settings (required for ``smtp+sms``)."""

    @model_validator(mode="after")
    def _needs_both_for_smtp_sms(self) -> Self:
        if self.kind == "smtp+sms" and (self.smtp is None or self.sms is None):
            raise ValueError('kind "smtp+sms" needs both the smtp and the sms settings')
        return self


def build_notifier(config: NotifyConfig) -> Notifier:
    """The notifier the settings describe."""
    if config.kind == "file":
        return FileOutbox(config.outbox)
    smtp, sms = config.smtp, config.sms
    if smtp is None or sms is None:  # the validator already refused this; narrows the types
        raise ValueError('kind "smtp+sms" needs both the smtp and the sms settings')
    return ChannelRouter(
        email=SmtpNotifier(
            smtp.host,
            smtp.port,
            smtp.sender,
            username=smtp.username,
            password=smtp.password.get_secret_value() if smtp.password else None,
            starttls=smtp.starttls,
            timeout=smtp.timeout,
        ),
        sms=SmsGateway(sms.url, sms.username, sms.password.get_secret_value(), timeout=sms.timeout),
    )
