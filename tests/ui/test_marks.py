"""State you can see without colour: the marks of radio buttons, check boxes, the school list and
the step indicator differ in shape, and none is drawn in a character whose width terminals
disagree on (East-Asian-ambiguous: ①, ─, ●, ▐ … are drawn two cells wide by some)."""

from __future__ import annotations

import unicodedata

from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import Button, OptionList, RadioButton, RadioSet, Static

from kiosk.domain.i18n import Translator
from kiosk.domain.people import Level, Relationship, RelationshipChoice
from kiosk.domain.wire import SchoolOut
from screens.base import TITLE, Chrome
from screens.student import StudentForm
from screens.student_id import StudentIdScreen
from screens.student_relationship import RelationshipScreen
from screens.widgets.marks import MarkedCheckbox, MarkedRadioButton
from screens.widgets.school_picker import CHOSEN, CURSOR, NOT_CHOSEN, SchoolPicker
from screens.widgets.step_indicator import STEP_NAMES, StepIndicator
from tests.e2e.scenes import CSS
from tests.snapshots.conftest import ScreenHost


def ambiguous(text: str) -> set[str]:
    """The characters of ``text`` whose width is East-Asian-ambiguous."""
    return {c for c in text if unicodedata.east_asian_width(c) == "A"}


class Marks(App[None]):
    """A radio set of two, a check box and a disabled one, the step indicator, a school list."""

    def compose(self) -> ComposeResult:
        with RadioSet(id="set"):
            yield MarkedRadioButton("甲", value=True, id="on")
            yield MarkedRadioButton("乙", id="off")
        yield MarkedCheckbox("同意", id="box")
        yield MarkedCheckbox("停用", id="disabled", disabled=True)
        yield StepIndicator(2, names=[Translator("zh_TW").gettext(n) for n in STEP_NAMES])
        yield SchoolPicker(Translator("zh_TW"), id="schools")


def drawn(app: App[None], selector: str) -> str:
    return str(app.query_one(selector).render())


async def test_chosen_not_chosen_focused_and_disabled_differ_in_shape() -> None:
    app = Marks()
    async with app.run_test() as pilot:
        app.query_one("#box").focus()
        await pilot.pause()
        assert drawn(app, "#on").startswith(" (*) 甲")
        assert drawn(app, "#off").startswith(" ( ) 乙")
        # Focused: ">" before the mark; ticked: [x]; a disabled box: [-].
        assert drawn(app, "#box").startswith(">[ ] 同意")
        assert drawn(app, "#disabled").startswith(" [-] 停用")
        await pilot.press("enter")
        assert drawn(app, "#box").startswith(">[x] 同意")
        # In a radio set, the button the keys are on is marked while the set has the focus.
        app.query_one("#set").focus()
        await pilot.pause()
        assert drawn(app, "#on").startswith(">(*) 甲")
        assert drawn(app, "#box").startswith(" [x] 同意")


async def test_the_school_chosen_is_marked_by_a_character() -> None:
    app = Marks()
    async with app.run_test() as pilot:
        picker = app.query_one("#schools", SchoolPicker)
        picker.set_schools(
            [
                SchoolOut(code="1", name="甲國小", level=Level.ELEMENTARY),
                SchoolOut(code="2", name="乙國小", level=Level.ELEMENTARY),
            ],
            value="2",
        )
        await pilot.pause()
        prompts = [str(o.prompt) for o in picker.query_one("#school", OptionList).options]
        assert prompts == [f" {NOT_CHOSEN} 甲國小", f" {CHOSEN} 乙國小"]
        # The row the keys are on, while the list has the focus: ">".
        picker.focus_list()
        await pilot.press("up")
        await pilot.pause()
        prompts = [str(o.prompt) for o in picker.query_one("#school", OptionList).options]
        assert prompts == [f">{NOT_CHOSEN} 甲國小", f" {CHOSEN} 乙國小"]


async def test_indicator_and_marks_use_no_east_asian_ambiguous_character() -> None:
    app = Marks()
    async with app.run_test() as pilot:
        picker = app.query_one("#schools", SchoolPicker)
        picker.set_schools([SchoolOut(code="1", name="甲國小", level=Level.ELEMENTARY)], value="1")
        app.query_one("#set").focus()
        await pilot.pause()
        texts = [drawn(app, selector) for selector in ("#on", "#off", "#box", "#disabled")]
        texts.append(drawn(app, "StepIndicator"))
        for step in range(6):
            indicator = app.query_one(StepIndicator)
            indicator.step = step
            texts.append(str(indicator.render()))
        texts += [CHOSEN, NOT_CHOSEN, CURSOR]
        for text in texts:
            assert not ambiguous(text), (text, ambiguous(text))


async def test_the_indicator_in_the_header_is_named_and_unambiguous() -> None:
    """On a real screen, in both languages' words (the header's indicator of step 2); the
    header's title and the footer (support line, language switch, F1) are unambiguous too."""
    for language in ("zh_TW", "en"):
        chrome = Chrome(Translator(language), support_phone="(02)8798-6336", support_line="@cooc")
        screen = RelationshipScreen(chrome, form=StudentForm())
        app = ScreenHost(screen, css_path=CSS)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            text = str(screen.query_one(StepIndicator).render())
            assert not ambiguous(text)
            assert "[2 " in text
            chrome_words = [
                str(screen.query_one(selector, Static).render())
                for selector in ("#title", "#support", "#help-hint")
            ]
            chrome_words.append(str(screen.query_one("#language", Button).label))
            # The app's own title (the window's) is the same message.
            chrome_words.append(Translator(language).gettext(TITLE))
            assert all(chrome_words), chrome_words
            for words in chrome_words:
                assert not ambiguous(words), (language, words, ambiguous(words))


async def test_every_choice_fits_80_columns_in_english_too() -> None:
    """The levels and the guardian's relationships, long in English, are one a line: none is
    cut at 80×24 (a row of five would run past the panel)."""
    form = StudentForm(relationship=RelationshipChoice(Relationship.OTHER, "aunt"))
    for screen in (
        RelationshipScreen(Chrome(Translator("en")), form=form),
        StudentIdScreen(Chrome(Translator("en")), form=StudentForm()),
    ):
        app = ScreenHost(screen, css_path=CSS)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            buttons = [
                b
                for b in screen.query(RadioButton)
                if b.display and isinstance(b.parent, Widget) and b.parent.display
            ]
            assert len(buttons) >= 5
            for button in buttons:
                region = button.region
                assert region.width > 0
                assert region.right <= 80, (str(button.label), region)
                parent = button.parent
                assert isinstance(parent, Widget)
                assert parent.region.contains_region(region), str(button.label)
