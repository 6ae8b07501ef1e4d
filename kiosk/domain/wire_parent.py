"""The parent step's early email check (``POST /v1/parents/email-check``).

An email belongs to one parent ID (the tutorial's rule, checked again at submission). The
parent step asks early whether the email typed is another parent ID's, so the parent is told
before signing. The registry answers under the parent's session and counts the question as a
parent look-up unless the email is the very contact the session verified (see
``registry/API.md``): it cannot be used to list which emails have accounts.
"""

from __future__ import annotations

from kiosk.domain.wire import EmailText, IdText, WireModel


class ParentEmailCheckIn(WireModel):
    """Is this email another parent ID's? ``parent_id`` is the ID the parent verified."""

    parent_id: IdText
    email: EmailText


class ParentEmailCheckOut(WireModel):
    """``taken``: the email belongs to (or is applied for by) a parent with another ID."""

    taken: bool
