"""Demo data: a fictional Taipei roster at all five levels, staff logins, parents with accounts,
and the tutorial's own people, so a demo walks exactly as the city's tutorial does.

Everything is made from a seeded :class:`random.Random`, so two runs with the same seed make the
same roster, IDs and passwords; a second run adds nothing. The roster goes through the roster
import (:mod:`registry.services.roster_import`), and the parents' applications through the
registry's own services, as a kiosk and a teacher would make them: a code requested and verified
on a demo kiosk, the application submitted, each binding approved by the student's homeroom
teacher (the first approval creates the parent's account), and the parent's first login. Nothing
is sent: the approvals' emails belong to the day they happened, which for the demo is a month ago.

The tutorial's people: the student 陳曉明 (A123456789, 高中, 臺北市私立日曜學校, 資訊二忠), whom
the demo user binds; and the parent 王曉明 (YA94109161, annie.sun2@hy-tech.com.tw, 0928942045),
whose account exists and who is already bound, approved (認證), to 吳大寶, 吳二寶 and 吳三寶.
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
from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Level, Relationship
from kiosk.domain.wire import (
    SignatureIn,
    SignatureKind,
    StaffRole,
    SubmissionIn,
    SubmissionParentIn,
    SubmissionStudentIn,
)
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
from registry.services.roster_file import RosterRow
from registry.services.roster_import import ImportSummary, import_rows
from registry.settings import Limits
from store.central import (
    Binding,
    ParentAccount,
    SchoolClass,
    StaffAccount,
    Student,
)

#: The seed of the demo data everyone gets.
DEFAULT_SEED: Final = 20260901

#: How long ago the demo parents applied and were approved (their history, not today's).
HISTORY_AGE: Final = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class DemoSchool:
    """A school of the demo roster and its classes (the first class's teacher gets a login)."""

    code: str
    name: str
    level: Level
    classes: tuple[str, ...]
    logins: bool = False
    """Whether the school gets an admin login and its first class's teacher a password."""


#: The tutorial's school and class of 陳曉明.
TUTORIAL_SCHOOL: Final = "353301"
TUTORIAL_CLASS: Final = "資訊二忠"

#: The demo schools. The 高中 list is the tutorial's own (its school screen), with one
#: municipal senior high school beside it.
SCHOOLS: Final[tuple[DemoSchool, ...]] = (
    DemoSchool("353601", "臺北市立日新國民小學", Level.ELEMENTARY, ("三年一班", "五年二班"), True),
    DemoSchool("353602", "臺北市立龍山國民小學", Level.ELEMENTARY, ("一年三班", "四年一班")),
    DemoSchool("353603", "臺北市立興雅國民小學", Level.ELEMENTARY, ("二年二班", "六年一班")),
    DemoSchool("353501", "臺北市立明德國民中學", Level.JUNIOR_HIGH, ("七年二班", "八年五班"), True),
    DemoSchool("353502", "臺北市立民生國民中學", Level.JUNIOR_HIGH, ("七年一班", "九年三班")),
    DemoSchool("343302", "臺北市私立稻江高級商業學校進修部", Level.SENIOR_HIGH, ("商業一忠",)),
    DemoSchool("343301", "臺北市私立稻江高級商業學校", Level.SENIOR_HIGH, ("商業二孝", "資處三仁")),
    DemoSchool("343303", "臺北市私立華岡藝術學校", Level.SENIOR_HIGH, ("美術一甲", "戲劇二乙")),
    DemoSchool(
        "353302", "臺北市立松山高級工業職業學校", Level.SENIOR_HIGH, ("電機一忠", "資訊三孝")
    ),
    DemoSchool(
        TUTORIAL_SCHOOL, "臺北市私立日曜學校", Level.SENIOR_HIGH, (TUTORIAL_CLASS, "資訊二孝"), True
    ),
    DemoSchool(
        "353303", "臺北市立內湖高級工業職業學校", Level.SENIOR_HIGH, ("機械二忠", "電子一仁")
    ),
    DemoSchool("353304", "臺北市立景興高級中學", Level.SENIOR_HIGH, ("普通一忠", "普通二和")),
    DemoSchool(
        "353401", "臺北市立大安高級工業職業學校", Level.VOCATIONAL, ("資訊二忠", "電機一孝"), True
    ),
    DemoSchool(
        "353402", "臺北市立士林高級商業職業學校", Level.VOCATIONAL, ("國貿一仁", "會計二愛")
    ),
    DemoSchool(
        "353403", "臺北市立木柵高級工業職業學校", Level.VOCATIONAL, ("機械三信", "汽車一義")
    ),
    DemoSchool(
        "353701", "臺北市立文山特殊教育學校", Level.SPECIAL, ("國小部一班", "高職部二班"), True
    ),
    DemoSchool("353702", "臺北市立南港特殊教育學校", Level.SPECIAL, ("國中部一班", "高職部一班")),
)

_SURNAMES: Final = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高"
_GIVEN: Final = "宇翔柏宏家豪志明俊傑冠廷承恩育睿彥佑子涵怡君欣妤雅婷詩晴宜庭筱芸品妍思語心瑜若安"


@dataclass(frozen=True, slots=True)
class DemoStudent:
    """A student placed on purpose (the tutorial's)."""

    name: str
    id_number: str
    school_code: str
    class_name: str


@dataclass(frozen=True, slots=True)
class DemoParent:
    """A parent whose application the demo makes and approves.

    Attributes:
        id_number: The parent's ID.
        name: The parent's name.
        email: The login.
        phone: The phone, as typed.
        children: The students bound, approved, by the demo.
        relationship: To each of them.
    """

    id_number: str
    name: str
    email: str
    phone: str
    children: tuple[DemoStudent, ...]
    relationship: Relationship = Relationship.FATHER


#: The tutorial's student, bound by the demo user as the tutorial does.
CHEN_XIAOMING: Final = DemoStudent("陳曉明", "A123456789", TUTORIAL_SCHOOL, TUTORIAL_CLASS)

#: The tutorial's parent, with the three children already approved (認證). 吳大寶's ID is the one
#: the tutorial's first student screen shows; the two others are made from the seed.
WANG_XIAOMING_ID: Final = "YA94109161"


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


class _Names:
    """Random Chinese names from the seed, never the same twice."""

    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self._rng = rng
        self._taken = taken

    def __call__(self, surname: str | None = None) -> str:
        while True:
            given = "".join(self._rng.sample(_GIVEN, 2))
            name = (surname or self._rng.choice(_SURNAMES)) + given
            if name not in self._taken:
                self._taken.add(name)
                return name


class _Ids:
    """Random valid ID numbers from the seed, never the same twice (nor a reserved one)."""

    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self._rng = rng
        self._taken = taken

    def __call__(self, kind: IdKind = IdKind.CITIZEN) -> str:
        while True:
            number = make_id(kind, self._rng).value
            if number not in self._taken:
                self._taken.add(number)
                return number


@dataclass(frozen=True, slots=True)
class StaffLogin:
    """A staff login the demo gives a password.

    Attributes:
        school: The staff's school.
        username: The login.
        role: Homeroom teacher or school admin.
        name: The staff's name.
        password: The password (from the seed).
    """

    school: DemoSchool
    username: str
    role: StaffRole
    name: str
    password: str


@dataclass(frozen=True, slots=True)
class DemoPlan:
    """Everything the demo data will hold, made from the seed before anything is written.

    Attributes:
        rows: The roster, as roster rows.
        parents: The parents whose children are approved (the tutorial's 王曉明 first).
        staff: The staff logins with a password.
    """

    rows: tuple[RosterRow, ...]
    parents: tuple[DemoParent, ...]
    staff: tuple[StaffLogin, ...]


def make_plan(seed: int = DEFAULT_SEED) -> DemoPlan:
    """The demo data for ``seed`` (the same every time for the same seed)."""
    rng = random.Random(seed)
    names = _Names(rng, {CHEN_XIAOMING.name, "王曉明", "吳大寶", "吳二寶", "吳三寶"})
    ids = _Ids(rng, {CHEN_XIAOMING.id_number, WANG_XIAOMING_ID, "YA94423433"})
    wu = (
        DemoStudent("吳大寶", "YA94423433", "353303", "機械二忠"),
        DemoStudent("吳二寶", ids(IdKind.OLD_RESIDENT), "353501", "七年二班"),
        DemoStudent("吳三寶", ids(IdKind.OLD_RESIDENT), "353601", "三年一班"),
    )
    placed: dict[tuple[str, str], list[DemoStudent]] = {}
    for student in (CHEN_XIAOMING, *wu):
        placed.setdefault((student.school_code, student.class_name), []).append(student)

    rows: list[RosterRow] = []
    staff: list[StaffLogin] = []
    passwords = random.Random(f"{seed}:passwords")
    for school in SCHOOLS:
        for number, class_name in enumerate(school.classes, start=1):
            teacher_login = f"{school.code}.t{number}"
            teacher_name = names()
            if school.logins and number == 1:
                password = f"demo-{passwords.randrange(10**6):06d}"
                staff.append(
                    StaffLogin(school, teacher_login, StaffRole.TEACHER, teacher_name, password)
                )
            pupils = [
                DemoStudent(names(), ids(), school.code, class_name)
                for _ in range(rng.randint(3, 5))
            ]
            # A resident's child now and then, as in any Taipei school.
            if rng.random() < 0.3:
                pupils.append(
                    DemoStudent(names(), ids(IdKind.NEW_RESIDENT), school.code, class_name)
                )
            for pupil in [*placed.get((school.code, class_name), []), *pupils]:
                rows.append(
                    RosterRow(
                        line=len(rows) + 2,
                        level=school.level,
                        school_code=school.code,
                        school_name=school.name,
                        class_name=class_name,
                        teacher_username=teacher_login,
                        teacher_name=teacher_name,
                        student_id=pupil.id_number,
                        student_name=pupil.name,
                    )
                )
        if school.logins:
            password = f"demo-{passwords.randrange(10**6):06d}"
            staff.append(
                StaffLogin(school, f"{school.code}.admin", StaffRole.ADMIN, names(), password)
            )

    # Two more parents with accounts, each with one approved child from the generated roster.
    others: list[DemoParent] = []
    for index, relationship in enumerate((Relationship.MOTHER, Relationship.GRANDFATHER)):
        row = rng.choice([r for r in rows if r.school_code != TUTORIAL_SCHOOL])
        surname = row.student_name[0]
        child = DemoStudent(row.student_name, row.student_id, row.school_code, row.class_name)
        others.append(
            DemoParent(
                id_number=ids(IdKind.CITIZEN),
                name=names(surname),
                email=f"parent{index + 1}@demo.cooc.tp.edu.tw",
                phone=f"0912{rng.randrange(10**6):06d}",
                children=(child,),
                relationship=relationship,
            )
        )
    wang = DemoParent(
        id_number=WANG_XIAOMING_ID,
        name="王曉明",
        email="annie.sun2@hy-tech.com.tw",
        phone="0928942045",
        children=wu,
    )
    return DemoPlan(rows=tuple(rows), parents=(wang, *others), staff=tuple(staff))


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
    """One parent's application, as the kiosk and the teachers made it, then the first login."""
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
            receipt=f"DEMO-{rng.randrange(10**6):06d}",
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
        result = submit(session, submission, kiosk_id=kiosk_id, now=when).result
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
