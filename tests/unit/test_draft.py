"""The Draft keeps the application's rules whatever order a parent (or a kiosk) does things in:
no student twice, at most 10, the parent is none of the students, a typed signature is the
parent's name, completeness in the order the wizard asks, and a wipe forgets everything."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from kiosk.domain.contact import Channel, Contact, Email, Phone
from kiosk.domain.draft import (
    MAX_STUDENTS,
    Draft,
    ParentDetails,
    Signature,
    StudentEntry,
)
from kiosk.domain.errors import DomainError, DomainErrors, ErrorCode
from kiosk.domain.ids import IdKind, IdNumber, make_id, parse_id
from kiosk.domain.people import Level, Relationship, RelationshipChoice

FATHER = RelationshipChoice(Relationship.FATHER)
PARENT_ID = parse_id("YA94109161")
STROKES = (((1, 1), (2, 2), (3, 2)), ((4, 1),))


def student(number: IdNumber | str, name: str = "陳曉明") -> StudentEntry:
    return StudentEntry(
        relationship=FATHER,
        level=Level.SENIOR_HIGH,
        student_id=number if isinstance(number, IdNumber) else parse_id(number),
        school_code="313301",
        school_name="臺北市私立日曜學校",
        name=name,
        class_name="資訊二忠",
    )


def distinct_students(count: int, seed: int = 3) -> list[StudentEntry]:
    rng = random.Random(seed)
    numbers: dict[str, IdNumber] = {}
    while len(numbers) < count:
        number = make_id(IdKind.CITIZEN, rng)
        if number != PARENT_ID:
            numbers[number.value] = number
    return [student(number) for number in numbers.values()]


def new_parent(parent_id: IdNumber = PARENT_ID) -> ParentDetails:
    return ParentDetails.new(parent_id, "王曉明", "annie.sun2@hy-tech.com.tw", "0928942045")


def complete_draft() -> Draft:
    draft = Draft()
    draft.set_contact(Contact(Channel.EMAIL, "annie.sun2@hy-tech.com.tw"), "challenge-1")
    draft.add_student(student("A123456789"))
    draft.accept_consent("2025-08")
    draft.set_parent(new_parent())
    draft.sign(Signature(typed_name="王曉明"))
    return draft


def raised(action: Callable[[], object]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        action()
    return caught.value


def outcome(action: Callable[[], object]) -> DomainError | None:
    """The DomainError the action raised, or None (anything else propagates and fails)."""
    try:
        action()
    except DomainError as error:
        return error
    return None


def signed(draft: Draft) -> bool:
    return draft.signature is not None


def test_the_tutorials_application_is_complete() -> None:
    draft = complete_draft()
    draft.check_complete()
    assert draft.signature == Signature(typed_name="王曉明")
    assert draft.signature.kind == "typed"


def test_a_student_cannot_be_added_twice_however_the_id_was_typed() -> None:
    draft = Draft()
    draft.add_student(student("A123456789"))
    error = raised(lambda: draft.add_student(student("ａ１２３ ４５６-７８９", name="別人")))
    assert error == DomainError(ErrorCode.DRAFT_STUDENT_DUPLICATE, field="student_id")
    assert len(draft.students) == 1


def test_the_eleventh_student_is_refused() -> None:
    draft = Draft()
    eleven = distinct_students(MAX_STUDENTS + 1)
    for entry in eleven[:MAX_STUDENTS]:
        draft.add_student(entry)
    error = raised(lambda: draft.add_student(eleven[-1]))
    assert error == DomainError(ErrorCode.DRAFT_TOO_MANY_STUDENTS, max=10)
    assert draft.students == eleven[:MAX_STUDENTS]


def test_the_parent_cannot_be_one_of_the_students_either_way_round() -> None:
    draft = Draft()
    draft.add_student(student(PARENT_ID))
    error = raised(lambda: draft.set_parent(new_parent()))
    assert error == DomainError(ErrorCode.DRAFT_PARENT_IS_STUDENT, field="parent_id")
    assert draft.parent is None

    draft = Draft()
    draft.set_parent(new_parent())
    error = raised(lambda: draft.add_student(student(PARENT_ID)))
    assert error == DomainError(ErrorCode.DRAFT_PARENT_IS_STUDENT, field="student_id")
    assert draft.students == []


def test_replacing_and_removing_students() -> None:
    draft = Draft()
    first, second, third = distinct_students(3)
    draft.add_student(first)
    draft.add_student(second)
    draft.replace_student(0, first)  # the same student again is no duplicate of itself
    error = raised(lambda: draft.replace_student(0, second))
    assert error.code is ErrorCode.DRAFT_STUDENT_DUPLICATE
    draft.replace_student(1, third)
    assert draft.students == [first, third]
    draft.remove_student(0)
    assert draft.students == [third]
    with pytest.raises(IndexError):
        draft.remove_student(5)


def test_check_complete_asks_in_the_wizards_order() -> None:
    draft = Draft()
    assert raised(draft.check_complete).code is ErrorCode.DRAFT_NO_STUDENTS
    draft.add_student(student("A123456789"))
    assert raised(draft.check_complete).code is ErrorCode.DRAFT_CONSENT_REQUIRED
    draft.accept_consent("2025-08")
    assert raised(draft.check_complete).code is ErrorCode.DRAFT_PARENT_REQUIRED
    draft.set_parent(new_parent())
    assert raised(draft.check_complete).code is ErrorCode.DRAFT_SIGNATURE_REQUIRED
    draft.sign(Signature(strokes=STROKES))
    draft.check_complete()
    assert draft.consent_version == "2025-08"


def test_check_complete_catches_students_changed_behind_its_back() -> None:
    draft = complete_draft()
    draft.students.append(draft.students[0])
    assert raised(draft.check_complete).code is ErrorCode.DRAFT_STUDENT_DUPLICATE


def test_consent_needs_a_version() -> None:
    assert raised(lambda: Draft().accept_consent(" ")).code is ErrorCode.DRAFT_CONSENT_REQUIRED


@pytest.mark.parametrize("typed", ["王曉明", " 王　曉明 ", "王 曉 明"])
def test_a_typed_signature_must_be_the_parents_name(typed: str) -> None:
    draft = complete_draft()
    draft.sign(Signature(typed_name=typed))
    assert draft.signature == Signature(typed_name="王曉明")


@pytest.mark.parametrize("typed", ["王小明", "王曉", "陳曉明", "王曉明2"])
def test_another_typed_name_is_refused(typed: str) -> None:
    draft = complete_draft()
    error = raised(lambda: draft.sign(Signature(typed_name=typed)))
    assert error == DomainError(ErrorCode.DRAFT_SIGNATURE_MISMATCH, field="signature")


def test_latin_names_sign_regardless_of_case() -> None:
    draft = Draft()
    draft.set_parent(
        ParentDetails.new(PARENT_ID, "NGUYEN THI HUONG", "h@example.com", "02 8798 6336")
    )
    draft.sign(Signature(typed_name="Nguyen  Thi Huong"))
    assert draft.signature == Signature(typed_name="Nguyen Thi Huong")


@pytest.mark.parametrize("empty", [Signature(), Signature((), "  "), Signature(((),), None)])
def test_an_empty_signature_is_refused(empty: Signature) -> None:
    draft = complete_draft()
    error = raised(lambda: draft.sign(empty))
    assert error == DomainError(ErrorCode.DRAFT_SIGNATURE_REQUIRED, field="signature")


def test_signing_needs_the_parent_first() -> None:
    error = raised(lambda: Draft().sign(Signature(typed_name="王曉明")))
    assert error.code is ErrorCode.DRAFT_PARENT_REQUIRED


def test_a_drawn_signature_is_kept_as_drawn() -> None:
    draft = complete_draft()
    draft.sign(Signature(strokes=STROKES))
    assert draft.signature is not None
    assert draft.signature.kind == "drawn"
    assert draft.signature.strokes == STROKES


def test_an_existing_account_signs_against_its_masked_name() -> None:
    draft = complete_draft()
    parent = ParentDetails.existing(PARENT_ID, "王○明", "an***@hy-tech.com.tw", "09***45")
    assert parent.existing_account
    assert parent.name == "王○明"
    assert parent.email == Email("an***@hy-tech.com.tw")
    assert parent.phone == Phone("09***45", is_mobile=True)
    draft.set_parent(parent)
    draft.sign(Signature(typed_name="王曉明"))
    error = raised(lambda: draft.sign(Signature(typed_name="王大華")))
    assert error.code is ErrorCode.DRAFT_SIGNATURE_MISMATCH
    draft.check_complete()


def test_an_existing_account_may_lack_email_and_phone() -> None:
    parent = ParentDetails.existing(PARENT_ID, "王○明", None, None)
    assert (parent.email, parent.phone) == (None, None)


def test_changing_students_or_parent_after_signing_asks_for_a_new_signature() -> None:
    draft = complete_draft()
    draft.add_student(distinct_students(1, seed=9)[0])
    assert not signed(draft)
    assert raised(draft.check_complete).code is ErrorCode.DRAFT_SIGNATURE_REQUIRED

    draft.sign(Signature(strokes=STROKES))
    draft.set_parent(new_parent())  # the same details again change nothing
    assert signed(draft)
    draft.remove_student(1)
    assert not signed(draft)


def test_new_parent_details_report_every_wrong_field_at_once() -> None:
    with pytest.raises(DomainErrors) as caught:
        ParentDetails.new("A123456788", "", "annie@", "12345")
    assert caught.value.errors == (
        DomainError(ErrorCode.ID_CHECKSUM, field="parent_id"),
        DomainError(ErrorCode.NAME_EMPTY, field="name"),
        DomainError(ErrorCode.EMAIL_FORMAT, field="email"),
        DomainError(ErrorCode.PHONE_FORMAT, field="phone"),
    )
    assert caught.value.by_field["email"].code is ErrorCode.EMAIL_FORMAT

    with pytest.raises(DomainErrors) as caught:
        ParentDetails.new(PARENT_ID, "王曉明", "annie.sun2@hy-tech.com.tw", "")
    assert caught.value.errors == (DomainError(ErrorCode.PHONE_EMPTY, field="phone"),)


def test_new_parent_details_are_normalised() -> None:
    parent = ParentDetails.new(
        " ya94109161 ", " 王　曉明", "Annie.Sun2@HY-TECH.com.tw", "(02)8798-6336"
    )
    assert parent == ParentDetails(
        parent_id=PARENT_ID,
        name="王曉明",
        email=Email("Annie.Sun2@hy-tech.com.tw"),
        phone=Phone("+886287986336", is_mobile=False),
        existing_account=False,
    )


@pytest.mark.parametrize("forget", [Draft.wipe, Draft.decline])
def test_wipe_and_decline_forget_everything(forget: Callable[[Draft], None]) -> None:
    draft = complete_draft()
    before = draft.application_id
    held = draft.students  # a screen still holding the list sees it emptied too
    forget(draft)
    assert draft.application_id != before
    assert isinstance(draft.application_id, uuid.UUID)
    assert held == []
    fresh = Draft(application_id=draft.application_id)
    assert draft == fresh


def test_another_application_carries_the_parent_over() -> None:
    draft = complete_draft()
    follow_up = draft.carry_over()
    assert follow_up.application_id != draft.application_id
    assert follow_up.parent == draft.parent
    assert follow_up.contact == draft.contact
    assert follow_up.challenge_id == draft.challenge_id
    assert (follow_up.students, follow_up.consent_version, follow_up.signature) == ([], None, None)


POOL = [*distinct_students(14, seed=21), student(PARENT_ID)]


class DraftMachine(RuleBasedStateMachine):
    """Any sequence of a parent's edits keeps the Draft's invariants."""

    def __init__(self) -> None:
        super().__init__()
        self.draft = Draft()

    @rule(entry=st.sampled_from(POOL))
    def add(self, entry: StudentEntry) -> None:
        before = list(self.draft.students)
        error = outcome(lambda: self.draft.add_student(entry))
        if error is None:
            assert self.draft.students == [*before, entry]
        else:
            assert self.draft.students == before
            assert error.code in {
                ErrorCode.DRAFT_STUDENT_DUPLICATE,
                ErrorCode.DRAFT_TOO_MANY_STUDENTS,
                ErrorCode.DRAFT_PARENT_IS_STUDENT,
            }

    @rule(index=st.integers(0, MAX_STUDENTS), entry=st.sampled_from(POOL))
    def replace(self, index: int, entry: StudentEntry) -> None:
        if index < len(self.draft.students):
            error = outcome(lambda: self.draft.replace_student(index, entry))
            assert error is None or error.code in {
                ErrorCode.DRAFT_STUDENT_DUPLICATE,
                ErrorCode.DRAFT_PARENT_IS_STUDENT,
            }

    @rule(index=st.integers(0, MAX_STUDENTS))
    def remove(self, index: int) -> None:
        if index < len(self.draft.students):
            self.draft.remove_student(index)

    @rule()
    def set_parent(self) -> None:
        error = outcome(lambda: self.draft.set_parent(new_parent()))
        assert error is None or error.code is ErrorCode.DRAFT_PARENT_IS_STUDENT

    @rule()
    def wipe(self) -> None:
        self.draft.wipe()

    @invariant()
    def keeps_the_rules(self) -> None:
        ids = [entry.student_id for entry in self.draft.students]
        assert len(ids) == len(set(ids)) <= MAX_STUDENTS
        if self.draft.parent is not None:
            assert self.draft.parent.parent_id not in ids


TestDraftMachine = DraftMachine.TestCase
TestDraftMachine.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
