"""Demo data written: the plan of :mod:`registry.demo_plan` put into the registry's database.

The roster goes through the roster import (:mod:`registry.services.roster_import`), and the
parents' applications through the registry's own services, as a kiosk and a teacher would make
them: a code requested and verified on a demo kiosk, the application submitted, each binding
approved by the student's homeroom teacher (the first approval creates the parent's account), and
the parent's first login. Nothing is sent: the approvals' emails belong to the day they happened,
which for the demo is a month ago. A second run with the same seed adds nothing.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.consent import load_statement
from kiosk.domain.contact import Channel
from kiosk.domain.wire import (
    SignatureIn,
    SignatureKind,
    StaffRole,
    SubmissionIn,
    SubmissionParentIn,
    SubmissionStudentIn,
)
from registry.demo_plan import DEFAULT_SEED, TUTORIAL_SCHOOL, DemoParent, DemoPlan, make_plan
from registry.services.accounts import (
    create_staff_account,
    hash_password,
    initial_password,
    parent_login,
    set_staff_password,
)
from registry.services.applications import submit
from registry.services.codes import request_code, verify_code
from registry.services.kiosks import add_kiosk
from registry.services.review import approve, reviewer_of
from registry.services.roster_import import ImportSummary, import_rows
from registry.services.submission_checks import SubmissionRules
from registry.settings import Limits
from store.central import (
    Binding,
    ParentAccount,
    SchoolClass,
    StaffAccount,
    Student,
)

#: How long ago the demo parents applied and were approved (their history, not today's).
HISTORY_AGE: Final = timedelta(days=30)


class LoginKind(StrEnum):
    """Whose login a row of the demo's table is."""

    ADMIN = "admin"
    TEACHER = "teacher"
    PARENT = "parent"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A login the demo data holds.

    Attributes:
        kind: School admin, homeroom teacher or parent.
        username: What to type as the login.
        password: The password (a parent's is the initial one, to be changed at the next login).
        name: Whose login it is.
        school: The staff's school (None for a parent).
        students: The parent's children (empty for staff).
        created: Whether this run made it (False: it was already there).
    """

    kind: LoginKind
    username: str
    password: str
    name: str
    school: str | None = None
    students: tuple[str, ...] = ()
    created: bool = False


@dataclass(slots=True)
class DemoReport:
    """What a demo-data run did.

    Attributes:
        roster: What the roster import created and changed.
        logins: Every demo login, made now or before.
        applications: Applications made and approved by this run.
    """

    roster: ImportSummary
    logins: list[DemoLogin] = field(default_factory=list)
    applications: int = 0

    @property
    def changed(self) -> bool:
        """Whether the run added anything."""
        return (
            self.roster.changed
            or self.applications > 0
            or any(login.created for login in self.logins)
        )


# --- writing ------------------------------------------------------------------------------------


def _staff_logins(
    sessions: sessionmaker[Session],
    plan: DemoPlan,
    *,
    new_teachers: set[str],
    now: datetime,
    hasher: PasswordHasher | None,
) -> list[DemoLogin]:
    """Admins made and teachers (new this run) given their passwords; existing ones left."""
    logins: list[DemoLogin] = []
    with sessions.begin() as session:
        for login in plan.staff:
            account = session.scalars(
                select(StaffAccount).where(StaffAccount.username == login.username)
            ).one_or_none()
            created = False
            if account is None and login.role is StaffRole.ADMIN:
                create_staff_account(
                    session,
                    username=login.username,
                    display_name=login.name,
                    role=login.role,
                    school_code=login.school.code,
                    password=login.password,
                    now=now,
                    hasher=hasher,
                )
                created = True
            elif account is not None and login.username in new_teachers:
                # The roster import made the teacher without a usable password.
                set_staff_password(
                    session,
                    username=login.username,
                    school_code=login.school.code,
                    password=login.password,
                    now=now,
                    hasher=hasher,
                )
                created = True
            kind = LoginKind.ADMIN if login.role is StaffRole.ADMIN else LoginKind.TEACHER
            logins.append(
                DemoLogin(
                    kind,
                    login.username,
                    login.password,
                    login.name,
                    school=login.school.name,
                    created=created,
                )
            )
    return logins


def _bind(
    sessions: sessionmaker[Session],
    parent: DemoParent,
    *,
    kiosk_id: str,
    consent_version: str,
    rng: random.Random,
    limits: Limits,
    when: datetime,
    hasher: PasswordHasher | None,
) -> None:
    """One parent's application, as the kiosk and the teachers made it, then the first login.

    Each step is committed as the request that makes it would be (request_code commits its
    challenge itself; the verification and the submission commit together here).
    """
    # The code is verified at once and never sent, so any pepper does: the challenge is used.
    pepper = secrets.token_bytes(32)
    with sessions() as session:
        issued = request_code(
            session,
            channel=Channel.EMAIL,
            address=parent.email,
            now=when,
            limits=limits,
            pepper=pepper,
        )
        verify_code(
            session,
            challenge_id=issued.challenge_id,
            code=issued.code,
            kiosk_id=kiosk_id,
            now=when,
            limits=limits,
            pepper=pepper,
        )
        levels = {
            child.id_number: session.scalars(
                select(Student.level).where(Student.id_number == child.id_number)
            ).one()
            for child in parent.children
        }
        submission = SubmissionIn(
            application_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            receipt=f"KDEMO-{when:%Y%m%d}-{rng.randrange(10**4):04d}",
            challenge_id=issued.challenge_id,
            consent_version=consent_version,
            submitted_at=when,
            students=[
                SubmissionStudentIn(
                    relationship=parent.relationship,
                    level=levels[child.id_number],
                    student_id=child.id_number,
                    school_code=child.school_code,
                )
                for child in parent.children
            ],
            parent=SubmissionParentIn(
                id=parent.id_number, name=parent.name, email=parent.email, phone=parent.phone
            ),
            signature=SignatureIn(kind=SignatureKind.TYPED, typed_name=parent.name),
        )
        rules = SubmissionRules(consent_versions=frozenset({consent_version}), max_misses=1)
        result = submit(session, submission, kiosk_id=kiosk_id, now=when, rules=rules).result
        session.commit()
    decided = when + timedelta(hours=2)
    for binding in result.bindings:
        with sessions.begin() as session:
            teacher = session.scalars(
                select(StaffAccount)
                .join(SchoolClass, SchoolClass.homeroom_teacher_id == StaffAccount.id)
                .join(Student, Student.class_id == SchoolClass.id)
                .join(Binding, Binding.student_id == Student.id)
                .where(Binding.id == binding.binding_id)
            ).one()
            approve(
                session,
                reviewer_of(teacher),
                binding.binding_id,
                now=decided,
                limits=limits,
                hasher=hasher,
            )
    with sessions() as session:
        # The parent signed in the next day, so the account does not lapse unused.
        parent_login(
            session,
            email=parent.email,
            password=initial_password(parent.id_number),
            now=decided + timedelta(days=1),
            limits=limits,
        )
        session.commit()


def load_demo(
    sessions: sessionmaker[Session],
    *,
    limits: Limits,
    now: datetime,
    seed: int = DEFAULT_SEED,
    hasher: PasswordHasher | None = None,
    progress: Callable[[int], None] | None = None,
) -> DemoReport:
    """Writes the demo data (what is missing of it) and says what it made.

    Args:
        sessions: Opens sessions on the registry's database (already migrated).
        limits: The registry's rules' numbers (the services check them as they would live).
        now: Today; the parents' history is dated :data:`HISTORY_AGE` before.
        seed: Makes the data; the same seed, the same data.
        hasher: The argon2id cost of the passwords (the registry's settings; the library's
            default when None).
        progress: Called with the number of roster rows written since the last call.

    Returns:
        The roster import's summary, every demo login and how many applications were made.
    """
    plan = make_plan(seed)
    logins_wanted = [login.username for login in plan.staff]
    with sessions.begin() as session:
        existing = set(
            session.scalars(
                select(StaffAccount.username).where(StaffAccount.username.in_(logins_wanted))
            )
        )
        summary = import_rows(
            session,
            plan.rows,
            # One hash of a secret thrown away: well-formed, and no password matches it.
            locked_password_hash=hash_password(secrets.token_urlsafe(32), hasher=hasher),
            progress=progress,
        )
    new_teachers = {
        login.username
        for login in plan.staff
        if login.role is StaffRole.TEACHER and login.username not in existing
    }
    report = DemoReport(roster=summary)
    report.logins.extend(
        _staff_logins(sessions, plan, new_teachers=new_teachers, now=now, hasher=hasher)
    )

    when = now - HISTORY_AGE
    rng = random.Random(f"{seed}:applications")
    consent_version = load_statement("zh_TW").version
    kiosk_id: str | None = None
    for parent in plan.parents:
        application_rng = random.Random(rng.getrandbits(64))
        with sessions() as session:
            exists = session.scalars(
                select(ParentAccount.id).where(ParentAccount.id_number == parent.id_number)
            ).first()
        if exists is None:
            if kiosk_id is None:
                with sessions() as session:
                    kiosk_id = add_kiosk(
                        session, school_code=TUTORIAL_SCHOOL, now=when, limits=limits
                    ).kiosk_id
            _bind(
                sessions,
                parent,
                kiosk_id=kiosk_id,
                consent_version=consent_version,
                rng=application_rng,
                limits=limits,
                when=when,
                hasher=hasher,
            )
            report.applications += 1
        report.logins.append(
            DemoLogin(
                LoginKind.PARENT,
                parent.email,
                initial_password(parent.id_number),
                parent.name,
                students=tuple(child.name for child in parent.children),
                created=exists is None,
            )
        )
    return report
