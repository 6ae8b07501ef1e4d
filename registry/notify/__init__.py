"""Notifications: one interface, delivered by SMTP, an SMS gateway or a file outbox.

The registry talks only to a :class:`Notifier`; :func:`build_notifier` makes the one its
settings (:class:`NotifyConfig`) describe, and :mod:`registry.notify.messages` builds the
messages in the reader's language.
"""

from __future__ import annotations

from registry.notify.base import Notification, Notifier, NotifyError, NotifyFailure
from registry.notify.config import NotifyConfig, SmsGatewayConfig, SmtpConfig, build_notifier
from registry.notify.outbox import FileOutbox
from registry.notify.router import ChannelRouter
from registry.notify.sms import GatewayReceipt, SmsGateway
from registry.notify.smtp import SmtpNotifier

__all__ = [
    "ChannelRouter",
    "FileOutbox",
    "GatewayReceipt",
    "Notification",
    "Notifier",
    "NotifyConfig",
    "NotifyError",
    "NotifyFailure",
    "SmsGateway",
    "SmsGatewayConfig",
    "SmtpConfig",
    "SmtpNotifier",
    "build_notifier",
]
