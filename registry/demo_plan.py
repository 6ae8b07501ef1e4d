"""What the demo data holds, made from a seed before anything is written: a fictional Taipei
roster at all five levels, staff logins, and parents with approved children, beside the
tutorial's own people, so a demo walks exactly as the city's tutorial does.

Everything is made from a seeded :class:`random.Random`, so two plans with the same seed are the
same roster, IDs and passwords. :mod:`registry.demo` writes a plan.

The tutorial's people: the student 陳曉明 (A123456789, 高中, 臺北市私立日曜學校, 資訊二忠), whom
the demo user binds; and the parent 王曉明 (YA94109161, annie.sun2@hy-tech.com.tw, 0928942045),
whose account exists and who is already bound, approved (認證), to 吳大寶, 吳二寶 and 吳三寶.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Level, Relationship
from kiosk.domain.wire import StaffRole
from registry.services.roster_file import RosterRow

#: The seed of the demo data everyone gets.
DEFAULT_SEED: Final = 20260901


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
