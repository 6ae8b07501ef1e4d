"""The student step's pickers on their own, driven as a parent drives them: the relationship
(role, then its relationships, 其他 with its words) and the school (search over the list)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Button, Input, OptionList, RadioButton, RadioSet, Static

from kiosk.domain.i18n import Translator
from kiosk.domain.people import Level, Relationship, RelationshipChoice, Role
from kiosk.domain.wire import SchoolOut
from screens.widgets import RelationshipPicker, SchoolPicker

SCHOOLS = (
    SchoolOut(code="353301", name="臺北市私立日曜學校", level=Level.SENIOR_HIGH),
    SchoolOut(code="313301", name="臺北市立松山高級中學", level=Level.SENIOR_HIGH),
    SchoolOut(code="014301", name="新北市立第１高級中學", level=Level.SENIOR_HIGH),
)


class Host(App[None]):
    """Shows a field, the picker under test and a button, and records the picker's messages."""

    def __init__(self, picker: RelationshipPicker | SchoolPicker) -> None:
        super().__init__()
        self._picker = picker
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield Input(id="before")
        yield self._picker
        yield Button("OK", id="after")

    def on_relationship_picker_changed(self, message: RelationshipPicker.Changed) -> None:
        self.messages.append(message)

    def on_school_picker_changed(self, message: SchoolPicker.Changed) -> None:
        self.messages.append(message)

    def on_school_picker_selected(self, message: SchoolPicker.Selected) -> None:
        self.messages.append(message)

    def relationships(self) -> list[tuple[Role, Relationship | None, str]]:
        """What each RelationshipPicker.Changed said, in order."""
        return [
            (m.role, m.relationship, m.description)
            for m in self.messages
            if isinstance(m, RelationshipPicker.Changed)
        ]

    def schools_changed(self) -> list[str | None]:
        """The values of the SchoolPicker.Changed messages, in order."""
        return [m.value for m in self.messages if isinstance(m, SchoolPicker.Changed)]

    def schools_selected(self) -> list[str]:
        """The values of the SchoolPicker.Selected messages, in order."""
        return [m.value for m in self.messages if isinstance(m, SchoolPicker.Selected)]


def shown(app: App[None], selector: str) -> bool:
    """Whether the widget is displayed (not hidden with display: none)."""
    return bool(app.screen.query_one(selector).display)


def state(picker: RelationshipPicker) -> tuple[Role, Relationship | None, str]:
    """What the relationship picker holds now (read afresh: the parent's keys change it)."""
    return picker.role, picker.relationship, picker.description


def chosen(picker: SchoolPicker) -> str | None:
    """The school the school picker holds now (read afresh: the parent's keys change it)."""
    return picker.value


# --- RelationshipPicker -----------------------------------------------------------------------


async def test_legal_representative_first_with_father_and_mother_under_it() -> None:
    app = Host(picker := RelationshipPicker(Translator(), id="relationship"))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert (picker.role, picker.relationship, picker.description) == (
            Role.LEGAL_REPRESENTATIVE,
            None,
            "",
        )
        assert app.screen.query_one("#role-legal_representative", RadioButton).value
        assert shown(app, "#relations-legal_representative")
        assert not shown(app, "#relations-guardian")
        assert not shown(app, "#relationship-other")
        row = app.screen.query("#relations-legal_representative > RadioButton")
        labels = [str(button.label) for button in row.results(RadioButton)]
        assert labels == ["父親", "母親"]
        assert app.relationships() == []


async def test_choosing_a_relationship_is_posted_once() -> None:
    app = Host(picker := RelationshipPicker(Translator(), id="relationship"))
    async with app.run_test() as pilot:
        await pilot.click("#relation-mother")
        await pilot.pause()
        assert picker.relationship is Relationship.MOTHER
        assert app.relationships() == [(Role.LEGAL_REPRESENTATIVE, Relationship.MOTHER, "")]
        assert app.messages[0].control is picker


async def test_each_role_keeps_its_own_choice() -> None:
    """To 監護人 and back: 父親 is still chosen; under 監護人 nothing was."""
    app = Host(picker := RelationshipPicker(Translator(), id="relationship"))
    async with app.run_test() as pilot:
        await pilot.click("#relation-father")
        await pilot.click("#role-guardian")
        await pilot.pause()
        assert (picker.role, picker.relationship) == (Role.GUARDIAN, None)
        assert shown(app, "#relations-guardian")
        assert not shown(app, "#relations-legal_representative")
        await pilot.click("#role-legal_representative")
        await pilot.pause()
        assert picker.role is Role.LEGAL_REPRESENTATIVE
        assert picker.relationship is Relationship.FATHER
        assert app.relationships() == [
            (Role.LEGAL_REPRESENTATIVE, Relationship.FATHER, ""),
            (Role.GUARDIAN, None, ""),
            (Role.LEGAL_REPRESENTATIVE, Relationship.FATHER, ""),
        ]


async def test_other_asks_what_and_takes_the_focus() -> None:
    app = Host(picker := RelationshipPicker(Translator(), id="relationship"))
    async with app.run_test() as pilot:
        await pilot.click("#role-guardian")
        await pilot.click("#relation-other")
        await pilot.pause()
        other = app.screen.query_one("#relationship-other", Input)
        assert other.display
        assert other.has_focus
        await pilot.press(*"姑姑")
        await pilot.pause()
        assert picker.description == "姑姑"
        assert app.relationships()[-2:] == [
            (Role.GUARDIAN, Relationship.OTHER, "姑"),
            (Role.GUARDIAN, Relationship.OTHER, "姑姑"),
        ]
        await pilot.click("#relation-grandmother")
        await pilot.pause()
        assert not shown(app, "#relationship-other")
        assert picker.description == "姑姑"


async def test_a_choice_given_is_shown_without_a_message() -> None:
    choice = RelationshipChoice(Relationship.OTHER, "姑姑")
    app = Host(picker := RelationshipPicker(Translator(), choice, id="relationship"))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert (picker.role, picker.relationship, picker.description) == (
            Role.GUARDIAN,
            Relationship.OTHER,
            "姑姑",
        )
        assert app.screen.query_one("#role-guardian", RadioButton).value
        assert app.screen.query_one("#relation-other", RadioButton).value
        assert app.screen.query_one("#relationship-other", Input).value == "姑姑"
        assert shown(app, "#relationship-other")
        assert app.relationships() == []


async def test_focus_goes_to_the_relationships_of_the_role() -> None:
    app = Host(picker := RelationshipPicker(Translator(), id="relationship"))
    async with app.run_test() as pilot:
        picker.focus()
        await pilot.pause()
        assert app.focused is app.screen.query_one("#relations-legal_representative", RadioSet)
        await pilot.press("right", "enter")
        await pilot.pause()
        assert picker.relationship is Relationship.MOTHER


async def test_setting_a_relationship_chooses_it_and_its_role() -> None:
    """In code: 祖母 moves to 監護人 (one message, the focus left alone); None keeps it."""
    app = Host(picker := RelationshipPicker(Translator(), id="relationship"))
    async with app.run_test() as pilot:
        await pilot.pause()
        picker.relationship = Relationship.GRANDMOTHER
        await pilot.pause()
        assert picker.role is Role.GUARDIAN
        assert app.screen.query_one("#role-guardian", RadioButton).value
        assert app.screen.query_one("#relation-grandmother", RadioButton).value
        assert shown(app, "#relations-guardian")
        assert app.relationships() == [(Role.GUARDIAN, Relationship.GRANDMOTHER, "")]
        picker.relationship = Relationship.OTHER
        await pilot.pause()
        assert app.focused is app.screen.query_one("#before")
        picker.relationship = None
        await pilot.pause()
        assert state(picker) == (Role.GUARDIAN, Relationship.OTHER, "")
        picker.description = "寄養家庭"
        await pilot.pause()
        assert app.screen.query_one("#relationship-other", Input).value == "寄養家庭"
        assert app.relationships()[-1] == (Role.GUARDIAN, Relationship.OTHER, "寄養家庭")


# --- SchoolPicker -----------------------------------------------------------------------------


async def test_every_school_is_listed_until_something_is_typed() -> None:
    app = Host(picker := SchoolPicker(Translator(), id="schools"))
    async with app.run_test() as pilot:
        picker.set_schools(SCHOOLS)
        await pilot.pause()
        listed = app.screen.query_one("#school", OptionList)
        assert [str(option.prompt) for option in listed.options] == [
            f" ( ) {s.name}" for s in SCHOOLS
        ]
        assert listed.highlighted is None
        assert not shown(app, "#school-none")
        assert picker.value is None
        assert app.screen.query_one("#school-search", Input).placeholder == (
            "輸入學校名稱的一部分以搜尋"
        )


async def test_the_search_folds_tai_and_full_width_as_the_domain_does() -> None:
    """台北 finds the 臺北 schools; a half-width 1 finds the full-width １."""
    app = Host(picker := SchoolPicker(Translator(), id="schools"))
    async with app.run_test() as pilot:
        picker.set_schools(SCHOOLS)
        picker.focus()
        await pilot.press(*"台北")
        await pilot.pause()
        listed = app.screen.query_one("#school", OptionList)
        assert [option.id for option in listed.options] == ["353301", "313301"]
        await pilot.press("backspace", "backspace", "1")
        await pilot.pause()
        assert [option.id for option in listed.options] == ["014301"]


async def test_nothing_matching_shows_no_school_matches() -> None:
    app = Host(picker := SchoolPicker(Translator(), id="schools"))
    async with app.run_test() as pilot:
        picker.set_schools(SCHOOLS)
        picker.focus()
        await pilot.press(*"國小")
        await pilot.pause()
        assert not shown(app, "#school")
        assert shown(app, "#school-none")
        assert str(app.screen.query_one("#school-none", Static).render()) == "查無符合的學校"


async def test_enter_in_the_search_chooses_the_one_school_left() -> None:
    app = Host(picker := SchoolPicker(Translator(), id="schools"))
    async with app.run_test() as pilot:
        picker.set_schools(SCHOOLS)
        picker.focus()
        await pilot.press(*"日曜", "enter")
        await pilot.pause()
        assert picker.value == "353301"
        assert app.screen.query_one("#school", OptionList).highlighted == 0
        assert app.schools_changed() == ["353301"]
        assert app.schools_selected() == ["353301"]


async def test_down_goes_into_the_list_and_enter_there_chooses() -> None:
    """Down from the search: the list has the keys, its first school highlighted. Enter on the
    school already chosen is posted again (the screen asks again), its value unchanged."""
    app = Host(picker := SchoolPicker(Translator(), id="schools"))
    async with app.run_test() as pilot:
        picker.set_schools(SCHOOLS)
        picker.focus()
        await pilot.pause()
        await pilot.press("down")
        await pilot.pause()
        listed = app.screen.query_one("#school", OptionList)
        assert app.focused is listed
        assert listed.highlighted == 0
        await pilot.press("down", "enter")
        await pilot.pause()
        assert picker.value == "313301"
        await pilot.press("enter")
        await pilot.pause()
        assert app.schools_changed() == ["313301"]
        assert app.schools_selected() == ["313301", "313301"]


async def test_tab_into_the_list_puts_the_keys_on_its_first_school() -> None:
    """Tab from the search into the list: its first school shows the cursor ``>``, and Enter
    takes it (no Down needed first)."""
    app = Host(picker := SchoolPicker(Translator(), id="schools"))
    async with app.run_test() as pilot:
        picker.set_schools(SCHOOLS)
        picker.focus()
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        listed = app.screen.query_one("#school", OptionList)
        assert app.focused is listed
        assert listed.highlighted == 0
        assert str(listed.get_option_at_index(0).prompt).startswith(">")
        await pilot.press("enter")
        await pilot.pause()
        assert picker.value == SCHOOLS[0].code


async def test_enter_among_several_goes_into_the_list() -> None:
    app = Host(picker := SchoolPicker(Translator(), id="schools"))
    async with app.run_test() as pilot:
        picker.set_schools(SCHOOLS)
        picker.focus()
        await pilot.press(*"台北", "enter")
        await pilot.pause()
        assert app.focused is app.screen.query_one("#school", OptionList)
        assert picker.value is None
        assert app.schools_selected() == []


async def test_a_school_the_search_leaves_out_is_no_longer_chosen() -> None:
    app = Host(picker := SchoolPicker(Translator(), id="schools"))
    async with app.run_test() as pilot:
        picker.set_schools(SCHOOLS, value="313301")
        await pilot.pause()
        assert picker.value == "313301"
        assert app.screen.query_one("#school", OptionList).highlighted == 1
        picker.focus()
        await pilot.press(*"日曜")
        await pilot.pause()
        assert app.schools_changed() == ["313301", None]
        await pilot.press("backspace", "backspace")
        await pilot.pause()
        # Back in the list, but no longer chosen: choosing is the parent's to do again.
        assert chosen(picker) is None
        assert app.screen.query_one("#school", OptionList).highlighted is None


async def test_only_a_listed_school_can_be_chosen() -> None:
    app = Host(picker := SchoolPicker(Translator(), id="schools"))
    async with app.run_test() as pilot:
        picker.set_schools(SCHOOLS, value="999999")
        await pilot.pause()
        assert chosen(picker) is None
        picker.value = "014301"
        assert chosen(picker) == "014301"
        picker.value = "999999"
        assert chosen(picker) is None
        picker.set_schools(SCHOOLS[:1])
        await pilot.pause()
        assert app.schools_changed() == ["014301", None]
        picker.clear_search()
        await pilot.pause()
        assert picker.search == ""
