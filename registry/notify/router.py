"""Routes each notification to the notifier of its channel."""

from __future__ import annotations

from kiosk.domain.contact import Channel
from registry.notify.base import Notification, Notifier, NotifyError, NotifyFailure


class ChannelRouter:
    """A notifier that hands email to one notifier and SMS to another.

    Args:
        email: Delivers :attr:`Channel.EMAIL` messages (None: email is refused ``no_route``).
        sms: Delivers :attr:`Channel.SMS` messages (None: SMS is refused ``no_route``).
    """

    def __init__(self, *, email: Notifier | None = None, sms: Notifier | None = None) -> None:
        self._routes: dict[Channel, Notifier | None] = {Channel.EMAIL: email, Channel.SMS: sms}

    def send(self, notification: Notification) -> None:
        """Delivers through the channel's notifier.

        Raises:
            NotifyError: ``no_route`` when the channel has none, else whatever it raised.
        """
        notifier = self._routes.get(notification.channel)
        if notifier is None:
            raise NotifyError(NotifyFailure.NO_ROUTE, notification.channel.value)
        notifier.send(notification)
