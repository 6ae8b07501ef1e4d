"""One registry request is one unit of work: one transaction, committed in one place.

That place is :func:`commit`, which every registry route calls as its handler returns (see
:class:`registry.deps.UnitOfWorkRoute`); the CLI and the demo data, which are not requests,
commit their own sessions. Work that must wait until the transaction is kept, such as handing an
approval's email to the notifier, is queued on the session with :func:`after_commit` and done by
:func:`commit` once the commit has succeeded; a transaction that is rolled back (the handler
raised) drops it with the session.

Services commit on their own only where they must, and say why in their docstrings: a change kept
although the request is then refused (a wrong code's attempt, a failed login), or a commit that
must precede something outside the database (the code's challenge stored before the code is sent).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

# The key of the queue in Session.info (SQLAlchemy's per-session dict for the application's use).
_AFTER_COMMIT = "registry.after_commit"


def after_commit(session: Session, action: Callable[[], object]) -> None:
    """Queues ``action`` to run once :func:`commit` has committed this session's transaction.

    Queue it once the work is decided (a handler, after its services returned): a rollback inside
    the unit of work (a service retrying after a conflict) does not drop what was queued before.

    Args:
        session: The unit of work's session.
        action: Called without arguments, in the order queued; never called if the session is
            closed without :func:`commit` (its transaction rolled back).
    """
    queue: list[Callable[[], object]] = session.info.setdefault(_AFTER_COMMIT, [])
    queue.append(action)


def commit(session: Session) -> None:
    """Commits the session's transaction, then runs what :func:`after_commit` queued on it.

    Ends a transaction that only read, too: on SQLite every transaction holds the write lock.
    """
    session.commit()
    queue: list[Callable[[], object]] = session.info.pop(_AFTER_COMMIT, [])
    for action in queue:
        action()
