"""How the parent is related to the student: the role first, then the relationships under it.

The tutorial's choices: 法定代理人 (father or mother) or 監護人 (grandfather, grandmother,
maternal grandfather, maternal grandmother, or 其他, which asks what). The relationships of each
role are laid out under the roles, one a line, not in a dropdown: a dropdown is an overlay, where
Textual drops CJK characters straddling widget edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Self

from textual import getters, on
from textual.app import ComposeResult
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, RadioButton, RadioSet

from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator
from kiosk.domain.people import (
    RELATIONSHIP_LABELS,
    RELATIONSHIPS_BY_ROLE,
    ROLE_LABELS,
    Relationship,
    RelationshipChoice,
    Role,
)
from screens.widgets.marks import MarkedRadioButton

OTHER_PLACEHOLDER: Final = N_("Your relationship to the student, e.g. aunt")


class RelationshipPicker(Widget):
    """Two rows of radio buttons and a field: the role, its relationships, and what 其他 is.

    Only the relationships of the role chosen are shown; each role remembers its own choice, so
    going to the other role and back finds it again. The field for 其他 is shown while 其他 is
    chosen. Whether the choice is complete (其他 needs words, at most so many) is for
    ``kiosk.domain.people.parse_relationship`` to say, not this widget.

    The roles' row carries the ``inline`` class and the relationships (five, long in English) the
    ``stacked`` class, one a line, so they look like the app's other radio choices.
    """

    DEFAULT_CSS = """
    RelationshipPicker {
        width: 1fr;
        height: auto;
        /* The relationships of the role chosen, under it (選擇法定代理人 / 選擇監護人). */
        & > .relations {
            margin-left: 4;
        }
    }
    """

    role: reactive[Role] = reactive(Role.LEGAL_REPRESENTATIVE, init=False)
    """The role whose relationships are offered; setting it chooses that role."""

    relationship: reactive[Relationship | None] = reactive(None, init=False)
    """The relationship chosen under the role, or None while none of its relationships is.

    Setting one chooses it (and its role). A choice can be changed but not taken back, as with
    any radio button: setting None while one is chosen keeps it.
    """

    description: reactive[str] = reactive("", init=False)
    """What 其他 is, as typed (kept while another relationship is chosen)."""

    _other = getters.query_one("#relationship-other", Input)

    @dataclass
    class Changed(Message):
        """Posted when the role, the relationship or what 其他 is changes.

        Can be handled using `on_relationship_picker_changed` in a subclass of
        `RelationshipPicker` or in a parent widget in the DOM.
        """

        relationship_picker: RelationshipPicker
        """The `RelationshipPicker` that changed."""

        role: Role
        """The role now chosen."""

        relationship: Relationship | None
        """The relationship now chosen under it, or None."""

        description: str
        """What 其他 is, as typed."""

        @property
        def control(self) -> RelationshipPicker:
            """Alias for self.relationship_picker."""
            return self.relationship_picker

    def __init__(
        self,
        translator: Translator,
        value: RelationshipChoice | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Initialise the relationship picker.

        Args:
            translator: Gives the words of the roles, the relationships and the 其他 field.
            value: The relationship to show chosen (e.g. the previous student's); with none,
                法定代理人 is chosen and none of its relationships.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled or not.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._ = translator.gettext
        role = value.role if value is not None else Role.LEGAL_REPRESENTATIVE
        # What each role's row has chosen (the radio buttons hidden with a row keep theirs).
        self._chosen: dict[Role, Relationship | None] = dict.fromkeys(Role)
        if value is not None:
            self._chosen[role] = value.relationship
        self.set_reactive(RelationshipPicker.role, role)
        self.set_reactive(RelationshipPicker.relationship, self._chosen[role])
        self.set_reactive(
            RelationshipPicker.description, (value.description or "") if value is not None else ""
        )

    def compose(self) -> ComposeResult:
        """The roles, the relationships of each role (those of the role chosen shown), the field
        for 其他."""
        _ = self._
        with RadioSet(id="role", classes="inline"):
            for role in Role:
                yield MarkedRadioButton(
                    _(ROLE_LABELS[role]), value=role is self.role, id=f"role-{role}"
                )
        for role in Role:
            relations = RadioSet(id=f"relations-{role}", classes="stacked relations")
            relations.display = role is self.role
            with relations:
                for relationship in RELATIONSHIPS_BY_ROLE[role]:
                    yield MarkedRadioButton(
                        _(RELATIONSHIP_LABELS[relationship]),
                        value=self._chosen[role] is relationship,
                        id=f"relation-{relationship}",
                    )
        other = Input(self.description, placeholder=_(OTHER_PLACEHOLDER), id="relationship-other")
        other.display = self.relationship is Relationship.OTHER
        yield other

    def focus(self, scroll_visible: bool = True) -> Self:
        """Focuses the relationships of the role chosen (the roles are one Shift+Tab back).

        Args:
            scroll_visible: Scroll parent to make the relationships visible.
        """
        self._relations(self.role).focus(scroll_visible)
        return self

    def validate_relationship(self, relationship: Relationship | None) -> Relationship | None:
        """Keeps the role's relationship when asked to take it back (see :attr:`relationship`)."""
        if relationship is None:
            return self._chosen[self.role]
        return relationship

    def watch_role(self, role: Role) -> None:
        """Shows the role's relationships, with what was chosen among them."""
        self._show_role()
        chosen = self._chosen[role]
        if chosen != self.relationship:
            # Its watcher tells the parent.
            self.relationship = chosen
        else:
            self._post_changed()

    def watch_relationship(self, relationship: Relationship | None) -> None:
        """Chooses the relationship's button (and role), shows the 其他 field when it applies."""
        if relationship is not None:
            self._chosen[relationship.role] = relationship
            self.query_one(f"#relation-{relationship}", RadioButton).value = True
            if relationship.role is not self.role:
                self.set_reactive(RelationshipPicker.role, relationship.role)
                self._show_role()
        self._other.display = relationship is Relationship.OTHER
        self._post_changed()

    def watch_description(self, description: str) -> None:
        """Writes what 其他 is into its field (when it was not typed there)."""
        other = self._other
        if other.value != description:
            other.value = description
        self._post_changed()

    def _relations(self, role: Role) -> RadioSet:
        return self.query_one(f"#relations-{role}", RadioSet)

    def _show_role(self) -> None:
        self.query_one(f"#role-{self.role}", RadioButton).value = True
        for role in Role:
            self._relations(role).display = role is self.role

    def _post_changed(self) -> None:
        self.post_message(self.Changed(self, self.role, self.relationship, self.description))

    @on(RadioSet.Changed, "#role")
    def _on_role_pressed(self, event: RadioSet.Changed) -> None:
        event.stop()
        if event.pressed.id is not None:
            self.role = Role(event.pressed.id.removeprefix("role-"))

    @on(RadioSet.Changed, ".relations")
    def _on_relationship_pressed(self, event: RadioSet.Changed) -> None:
        event.stop()
        if event.pressed.id is None:
            return
        pressed = Relationship(event.pressed.id.removeprefix("relation-"))
        if pressed is self.relationship:
            # The echo of a relationship set in code: nothing the parent did.
            return
        self.relationship = pressed
        if pressed is Relationship.OTHER:
            self._other.focus()

    @on(Input.Changed, "#relationship-other")
    def _on_description_typed(self, event: Input.Changed) -> None:
        event.stop()
        self.description = event.value
