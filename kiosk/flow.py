"""The wizard's order: one coroutine pushes each step's screen and awaits its typed result.

Screens don't know what comes next; :class:`Wizard` does. It keeps the parent's
:class:`~kiosk.domain.draft.Draft`, applies each step's result to it (the Draft keeps the rules),
and shows a step again, with what was entered, on 返回 or when the Draft refuses a result.

「送出資料」 goes through :meth:`Wizard.submit`: the Draft is signed and checked, saved with its
outbox entry in one local transaction (:class:`store.local.applications.ApplicationStore`), and
only then pushed by the sync side (:meth:`kiosk.sync.Syncer.push_saved`, the application id as
the idempotency key), whose one rule says how the push ended: 待上傳 for the sync worker when
the registry is away; a refusal shown in place (a corrected application gets a new id). The
progress page's part is :mod:`kiosk.flow_progress`. The app loads this after its first frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from textual.app import App
from textual.screen import Screen

from kiosk.domain.clock import clock_needs_staff
from kiosk.domain.contact import Channel, Contact
from kiosk.domain.draft import Draft, ParentDetails, Signature, StudentEntry
from kiosk.domain.errors import DomainError
from kiosk.domain.in_person import InPersonOut
from kiosk.domain.submission import to_submission as to_submission
from kiosk.flow_progress import ProgressPages
from kiosk.flow_progress import Verified as Verified
from kiosk.progress import FormDesk, ProgressSource
from kiosk.services import Services as Services
from kiosk.sync import Outcome, Syncer
from kiosk.sync_actions import ActionUploader
from screens.ahead import Ahead
from screens.base import Back, Chrome
from screens.code import CodeScreen
from screens.consent import ConsentAccepted, ConsentDeclined, ConsentScreen
from screens.contact import ContactScreen
from screens.in_person import InPersonAsked
from screens.parent import ParentScreen
from screens.progress import AddStudents, ProgressView
from screens.review import BackToEdit, ReviewScreen, SubmitOutcome
from screens.student import StudentChosen, StudentForm, StudentRemoved, StudentsDone
from screens.student_confirm import StudentConfirmScreen
from screens.student_id import StudentIdScreen
from screens.student_relationship import RelationshipScreen
from screens.student_school import SchoolScreen
from screens.welcome import WelcomeChoice, Welcomed, WelcomeScreen
from store.local import VersionChangedError

ResultT = TypeVar("ResultT")

#: 協助家長申請: staff beside the parent verify them in person (:class:`kiosk.staff.Vouching`).
Vouch = Callable[[Contact], Awaitable[InPersonOut | None]]


class _Ask(Enum):
    """The student step's screens, one question each, in their order."""

    RELATIONSHIP = "relationship"
    STUDENT_ID = "student_id"
    SCHOOL = "school"
    CONFIRM = "confirm"


class _Move(Enum):
    """Where the wizard goes after a step."""

    BACK = "back"
    NEXT = "next"
    QUIT = "quit"


#: What a signature was given under: the students and the parent of the application.
_SignedUnder = tuple[tuple[StudentEntry, ...], ParentDetails | None]


@dataclass
class _Application:
    """The application being built, and what the steps need to show it again."""

    draft: Draft
    verified: Verified
    outcome: SubmitOutcome | None = None
    submitted_at: datetime | None = None
    #: What was signed before 返回修改, with the students and parent it was signed under: shown
    #: again on the review page while they are the same.
    unsent_signature: tuple[Signature, _SignedUnder] | None = None


class Wizard:
    """Drives the parent's screens, one session after another, forever.

    Args:
        app: The app whose screens are pushed.
        services: The registry, the store, the words, the clock.
        ahead: Where the next parent's first step is built ahead; the app keeps it from one
            wizard to the next (a wiped session's wizard leaves the next one what it built).
    """

    def __init__(self, app: App[Any], services: Services, ahead: Ahead[ContactScreen]) -> None:
        self._app = app
        self._services = services
        # 「送出資料」 pushes through the sync side, so a push ends by one rule wherever it starts.
        self._uploads = Syncer(
            services.store.outbox,
            services.client,
            settings=services.settings.sync,
            clock=services.clock,
        )
        self._progress_source = ProgressSource(
            services.client,
            services.store.applications,
            actions=services.store.actions,
            uploader=ActionUploader(
                services.store.actions,
                services.client,
                settings=services.settings.sync,
                clock=services.clock,
            ),
            clock=services.clock,
            wake=self._wake_sync,
        )
        self._forms = FormDesk(
            services.settings.form,
            folder=services.settings.form_folder,
            statement=services.statement,
            translator=services.translator,
            applications=services.store.applications,
        )
        self.chrome = Chrome(
            translator=services.translator,
            support_phone=services.settings.support.phone,
            support_line=services.settings.support.line,
            demo=services.demo,
        )
        self._pages = ProgressPages(self.chrome, self._progress_source, self._forms, ask=self._ask)
        self._application: _Application | None = None
        self._vouch: Vouch | None = None
        # The next parent's first step, built while the Welcome waits (see ready_next).
        self._ahead = ahead

    async def run(self, assisted: Vouch | None = None, *, welcomed: Welcomed | None = None) -> None:
        """Welcome, then the path chosen; again and again (the first session ``assisted``, or
        on the path already ``welcomed`` on the app's first Welcome screen)."""
        if assisted is not None or welcomed is not None:
            await self.session(assisted, welcomed=welcomed)
        while True:
            await self.session()

    async def session(
        self, assisted: Vouch | None = None, *, welcomed: Welcomed | None = None
    ) -> None:
        """One parent: Welcome (unless the choice was ``welcomed`` already), then applying or
        checking the progress (applying at once, with in-person verification offered, when staff
        started it: ``assisted``)."""
        self._vouch = assisted
        try:
            if assisted is not None:
                await self._apply()
                return
            if welcomed is None:
                # Once the Welcome is drawn: building the next step would hold it up.
                self._app.call_after_refresh(self.ready_next)
                welcomed = await self._ask(WelcomeScreen(self.chrome, clock_off=self._clock_off))
            if welcomed.choice is WelcomeChoice.APPLY:
                await self._apply()
            else:
                await self._check_progress()
        finally:
            # The staff member's word (and token) is for this parent only.
            self._vouch = None
            # Whatever happened (done, or cancelled by the app when left idle), the next parent
            # sees nothing of this one: no draft, no session token, no code.
            if self._application is not None:
                self._application.draft.wipe()
            self._application = None
            if self._services.demo is not None:
                self._services.demo.follow(None)
            # The next parent starts in the kiosk's own language.
            self._services.translator.use(self._services.settings.language)

    def ready_next(self) -> None:
        """Builds the next parent's first step (電子郵件信箱 or 行動電話, empty) behind the Welcome,
        in the language spoken now, so that a tap on either choice shows it at once."""
        self._ahead.prepare(
            self.chrome.translator.language,
            lambda: ContactScreen(self.chrome, client=self._services.client),
        )

    async def _ask(self, screen: Screen[ResultT]) -> ResultT:
        """Pushes ``screen`` and waits for its result."""
        return await self._app.push_screen(screen, wait_for_dismiss=True)

    # --- verifying a contact -----------------------------------------------------------------

    async def _verify(self, before: Verified | None = None) -> Verified | None:
        """Contact, then Code; None when the parent went back to the Welcome screen."""
        services = self._services
        channel = before.contact.channel if before is not None else Channel.EMAIL
        typed = before.typed if before is not None else ""
        # A new parent's first step was built ahead (not with staff: theirs offers 臨櫃核對身分).
        ready = None
        if before is None and self._vouch is None:
            ready = self._ahead.take(self.chrome.translator.language)
        while True:
            sent = await self._ask(
                ready
                or ContactScreen(
                    self.chrome,
                    client=services.client,
                    channel=channel,
                    typed=typed,
                    in_person=self._vouch is not None,
                )
            )
            ready = None
            if isinstance(sent, Back):
                return None
            if isinstance(sent, InPersonAsked):
                channel, typed = sent.contact.channel, sent.typed
                vouched = await self._in_person(sent.contact, typed)
                if vouched is not None:
                    return vouched
                continue
            channel, typed = sent.contact.channel, sent.typed
            if services.demo is not None:
                services.demo.follow(sent.contact)
            code = await self._ask(
                CodeScreen(
                    self.chrome,
                    client=services.client,
                    contact=sent.contact,
                    challenge=sent.challenge,
                    in_person=self._vouch is not None,
                )
            )
            if isinstance(code, InPersonAsked):
                vouched = await self._in_person(sent.contact, typed)
                if vouched is not None:
                    return vouched
            elif not isinstance(code, Back):
                return Verified(sent.contact, typed, code.session, code.challenge)

    async def _in_person(self, contact: Contact, typed: str) -> Verified | None:
        """臨櫃核對身分: the staff member's confirmation; None when they cancelled."""
        assert self._vouch is not None  # the button is offered in assisted mode only
        vouched = await self._vouch(contact)
        if vouched is None:
            return None
        return Verified(contact, typed, vouched.session, vouched.challenge)

    # --- applying ----------------------------------------------------------------------------

    async def _apply(self) -> None:
        """A new application: verify, students, consent, parent, review; then progress."""
        verified = await self._verify()
        if verified is None:
            return
        application = self._application = _Application(Draft(), verified)
        application.draft.set_contact(verified.contact, str(verified.challenge.challenge_id))
        await self._build(application)

    async def _build(self, application: _Application) -> None:
        """Students, consent, parent, review; then the progress page."""
        steps = (self._students, self._consent, self._parent, self._review)
        index = 0
        while index < len(steps):
            move = await steps[index](application)
            if move is _Move.QUIT:
                application.draft.decline()
                return
            if move is _Move.NEXT:
                index += 1
            elif index > 0:
                index -= 1
            else:
                # 返回 from the first step: verify again (the students stay in the draft).
                again = await self._verify(application.verified)
                if again is None:
                    application.draft.wipe()
                    return
                application.verified = again
                application.draft.set_contact(again.contact, str(again.challenge.challenge_id))
        outcome = application.outcome
        assert outcome is not None  # the review step moves on only once submitted
        await self._progress(application.verified, outcome, application)

    async def _students(self, application: _Application) -> _Move:
        """One question a screen: relationship, level + ID, school, then confirm (the hub once
        students are added: 返回 from the first question comes back to it)."""
        draft, chrome = application.draft, self.chrome
        form = StudentForm(relationship=draft.students[-1].relationship if draft.students else None)
        ask: _Ask | None = _Ask.CONFIRM if draft.students else _Ask.RELATIONSHIP
        error: DomainError | None = None
        while ask is not None:
            if ask is _Ask.RELATIONSHIP:
                step = await self._ask(RelationshipScreen(chrome, form=form))
                hub = _Ask.CONFIRM if draft.students else None
                ask = hub if isinstance(step, Back) else _Ask.STUDENT_ID
            elif ask is _Ask.STUDENT_ID:
                step = await self._ask(StudentIdScreen(chrome, form=form))
                ask = _Ask.RELATIONSHIP if isinstance(step, Back) else _Ask.SCHOOL
            elif ask is _Ask.SCHOOL:
                session = application.verified.session
                school = SchoolScreen(
                    chrome, client=self._services.client, session=session, form=form
                )
                step = await self._ask(school)
                ask = _Ask.STUDENT_ID if isinstance(step, Back) else _Ask.CONFIRM
            else:
                result = await self._ask(
                    StudentConfirmScreen(chrome, form=form, students=draft.students, error=error)
                )
                error = None
                if isinstance(result, Back):
                    ask = _Ask.SCHOOL if form.found is not None else None
                elif isinstance(result, StudentRemoved):
                    draft.remove_student(result.index)
                    if not draft.students and form.found is None:
                        ask = _Ask.RELATIONSHIP
                elif isinstance(result, StudentsDone):
                    if not result.more:
                        return _Move.NEXT
                    form, ask = form.next_student(), _Ask.RELATIONSHIP
                else:
                    assert isinstance(result, StudentChosen)
                    try:
                        draft.add_student(result.entry)
                    except DomainError as refused:
                        error = refused
                        continue
                    if not result.more:
                        return _Move.NEXT
                    form, ask = form.next_student(), _Ask.RELATIONSHIP
        return _Move.BACK

    async def _consent(self, application: _Application) -> _Move:
        result = await self._ask(
            ConsentScreen(
                self.chrome,
                statement=self._services.statement,
                accepted=application.draft.consent_version is not None,
            )
        )
        if isinstance(result, ConsentDeclined):
            return _Move.QUIT
        if isinstance(result, Back):
            return _Move.BACK
        assert isinstance(result, ConsentAccepted)
        application.draft.accept_consent(result.version)
        return _Move.NEXT

    async def _parent(self, application: _Application) -> _Move:
        draft = application.draft
        error: DomainError | None = None
        prefill = draft.parent
        while True:
            result = await self._ask(
                ParentScreen(
                    self.chrome,
                    client=self._services.client,
                    session=application.verified.session,
                    contact=application.verified.contact,
                    prefill=prefill,
                    error=error,
                    student_ids=[student.student_id for student in draft.students],
                )
            )
            if isinstance(result, Back):
                return _Move.BACK
            try:
                draft.set_parent(result.details)
            except DomainError as refused:
                prefill, error = result.details, refused
                continue
            return _Move.NEXT

    async def _review(self, application: _Application) -> _Move:
        draft = application.draft
        assert draft.parent is not None  # the parent step came first

        async def submit(signature: Signature) -> SubmitOutcome:
            return await self.submit(application, signature)

        signed_under: _SignedUnder = (tuple(draft.students), draft.parent)
        signature = draft.signature
        kept = application.unsent_signature
        if signature is None and kept is not None and kept[1] == signed_under:
            signature = kept[0]
        result = await self._ask(
            ReviewScreen(
                self.chrome,
                students=tuple(draft.students),
                parent=draft.parent,
                signature=signature,
                submit=submit,
            )
        )
        if isinstance(result, BackToEdit):
            # 返回修改 keeps the signature for when the page comes back unchanged.
            signed = result.signature
            application.unsent_signature = None if signed is None else (signed, signed_under)
            return _Move.BACK
        if isinstance(result, Back):
            return _Move.BACK
        application.outcome = result.outcome
        return _Move.NEXT

    async def submit(self, application: _Application, signature: Signature) -> SubmitOutcome:
        """送出資料: sign, check, save here (one transaction), then push it through the sync side.

        Raises:
            DomainError: The signature or the draft is not right (nothing saved), a changed
                version's withdrawal could not be confirmed, or the registry refused it.
        """
        services = self._services
        draft = application.draft
        draft.sign(signature)  # and the draft is checked as it is saved
        now = application.submitted_at = services.clock()
        applications = services.store.applications

        language = services.translator.chosen  # the registry writes to the parent in it

        def payload(receipt: str) -> bytes:  # of the draft as it is when called
            body = to_submission(draft, receipt=receipt, now=now, language=language)
            return body.model_dump_json().encode("utf-8")

        try:
            receipt = await asyncio.to_thread(applications.save_submission, draft, payload, now=now)
        except VersionChangedError:  # changed since saved (返回修改): withdrawn, a new id
            await self._uploads.withdraw(draft.application_id, application.verified.session)
            application.draft = draft = _renewed(draft)
            draft.sign(signature)
            receipt = await asyncio.to_thread(applications.save_submission, draft, payload, now=now)
        push = await self._uploads.push_saved(draft.application_id)
        if push is not None and push.outcome is Outcome.REFUSED:
            assert push.error is not None  # a refusal always says why
            # The saved one stands as refused (不通過, never sent again); a corrected
            # application is a new one.
            application.draft = _renewed(draft)
            raise push.error
        # Uploaded (now or meanwhile), or put off for the sync worker: on with what waits.
        self._wake_sync()
        receipt = push.receipt if push is not None else receipt  # renumbered, if its was taken
        return SubmitOutcome(receipt, uploaded=push is None or push.outcome is Outcome.UPLOADED)

    def _clock_off(self) -> bool:
        """Whether the kiosk's clock is off the registry's by more than the registry tolerates
        (the Welcome screen then asks the parent to tell the school office)."""
        return clock_needs_staff(self._services.client.clock_skew)

    def _wake_sync(self) -> None:
        if self._services.sync is not None:
            self._services.sync.wake()

    # --- progress ----------------------------------------------------------------------------

    async def _check_progress(self) -> None:
        """查詢申請進度: verify a contact again, then the progress page."""
        verified = await self._verify()
        if verified is None:
            return
        await self._progress(verified, None, None)

    async def _progress(
        self, verified: Verified, outcome: SubmitOutcome | None, submitted: _Application | None
    ) -> None:
        """The progress page (:class:`kiosk.flow_progress.ProgressPages`); 新增綁定學生 goes on
        to a new application of the same parent."""
        if isinstance(await self._pages.show(verified, outcome, submitted), AddStudents):
            if submitted is not None:
                fresh = submitted.draft.carry_over()
            else:
                fresh = Draft()
                fresh.set_contact(verified.contact, str(verified.challenge.challenge_id))
            await self._build(_Application(fresh, verified))

    async def progress(self, verified: Verified) -> ProgressView:
        """The progress page's view for this contact (:meth:`ProgressPages.view`)."""
        return await self._pages.view(verified)


def _renewed(draft: Draft) -> Draft:
    """The same application under a new id, to be signed again (after a refusal)."""
    fresh = draft.carry_over()
    for student in draft.students:
        fresh.add_student(student)
    if draft.consent_version is not None:
        fresh.accept_consent(draft.consent_version)
    return fresh
