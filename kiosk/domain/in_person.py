"""In-person verification (臨櫃核對身分): when no code can reach a parent, a staff member who saw
the parent's identity document vouches for the contact instead, and the registry opens the parent
session on their word (``POST /v1/staff/in-person``: a kiosk token and a staff token; audited;
limited per staff member per day). The application made under that session carries the mark, and
reviewers see it in the queue.
"""

from __future__ import annotations

from kiosk.domain.contact import Channel
from kiosk.domain.documents import IdDocument
from kiosk.domain.wire import AddressText, CodeChallengeOut, ParentSessionOut, WireModel


class InPersonIn(WireModel):
    """A staff member saw the parent's document: open a session for this contact."""

    channel: Channel
    address: AddressText
    document: IdDocument


class InPersonOut(WireModel):
    """The parent's session, opened on a staff member's word, and the challenge that stands for
    the code (the application records it, as for a code)."""

    challenge: CodeChallengeOut
    session: ParentSessionOut
