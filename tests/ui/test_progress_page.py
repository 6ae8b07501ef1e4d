"""The progress page against a registry running for real (uvicorn on 127.0.0.1, demo data): the
tutorial's walk, masked names for a contact that is not the account's, cancel and purge, 新增綁定
學生, and an attempt refused before storage. Each test has a registry of its own (they bind the
tutorial's people) and a kiosk built by the app factory.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from textual.widgets import Input

from kiosk.domain.contact import Channel
from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Level
from kiosk.domain.status import StudentStatus
from kiosk.forms import FontMissing, find_fonts
from registry.services.accounts import create_parent_account
from registry.settings import RegistrySettings
from screens.confirm import ConfirmScreen
from screens.parent import ParentScreen
from screens.progress import ProgressScreen
from screens.progress_qr import QrScreen
from screens.review import ReviewScreen
from screens.student_relationship import RelationshipScreen
from screens.widgets import QrCode
from tests.e2e.live import (
    Kiosk,
    LiveRegistry,
    RosterStudent,
    kiosk_app,
    running_registry,
    wait_for,
    wait_for_screen,
)
from tests.e2e.walk import Walk
from tests.registry.harness import FAST_HASHING

ACCOUNT_EMAIL = "annie.sun2@hy-tech.com.tw"
TUTORIAL_EMAIL = "COOC123@gmail.com"
CHILDREN = ["吳二寶", "吳三寶", "吳大寶"]


@pytest.fixture
def registry(template: Path, tmp_path: Path) -> Iterator[LiveRegistry]:
    """A registry of the test's own: the tests bind the tutorial's people."""
    with running_registry(tmp_path / "registry", template) as live:
        yield live


def parent_id(seed: int) -> str:
    """A valid citizen ID no demo parent has."""
    return make_id(IdKind.CITIZEN, random.Random(seed)).value


def chen(registry: LiveRegistry) -> RosterStudent:
    """The tutorial's student, 陳曉明 (A123456789)."""
    return next(s for s in registry.students(Level.SENIOR_HIGH) if s.id_number == "A123456789")


def pdf_text(path: Path) -> str:
    """The PDF's text, read back with poppler's pdftotext."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed: make fonts installs it")
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def shown(progress: ProgressScreen) -> list[tuple[str, StudentStatus, bool]]:
    """The rows as the parent reads them: name, status, masked."""
    return [(row.student, row.status, row.masked) for row in progress.rows]


async def tutorial_walk(
    walk: Walk, registry: LiveRegistry, address: str, *more: RosterStudent
) -> ProgressScreen:
    """The tutorial's application: 陳曉明 (and ``more`` students after him) by his father
    王曉明 (YA94109161, an account), verified with ``address``."""
    await walk.apply()
    await walk.verify(Channel.EMAIL, address)
    await walk.add_students(chen(registry), *more)
    await walk.consent()
    await walk.parent_id("YA94109161")
    await walk.click("#next")
    await wait_for_screen(walk.pilot, ReviewScreen)
    await walk.type("#signature-name", "王曉明")
    return await walk.submitted()


async def reload(walk: Walk, progress: ProgressScreen) -> None:
    """重新載入, waiting for the answer."""
    await walk.click("#reload")
    await wait_for(walk.pilot, lambda: not progress.is_busy, "the reload")
    await walk.pilot.pause()


async def confirm(walk: Walk, button: str) -> None:
    """Presses ``button``, then 確定 in the dialog; waits for the page's answer."""
    progress = walk.screen
    await walk.click(button)
    await wait_for_screen(walk.pilot, ConfirmScreen)
    await walk.click("#confirm-yes")
    await wait_for_screen(walk.pilot, ProgressScreen)
    await wait_for(walk.pilot, lambda: not progress.is_busy, "the registry's answer")
    await walk.pilot.pause()


async def test_the_tutorial_walk_ends_with_the_accounts_children_and_the_new_one(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """Verified with COOC123@gmail.com, as in the tutorial: the page lists the account's three
    children 認證 — masked (吳○寶), as that email is not the account's — and 陳曉明 申請. Checked
    again with the account's own email they show in full; checked again with COOC123 (a new
    session, which submitted nothing) only 陳曉明 shows."""
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        progress = await tutorial_walk(walk, registry, TUTORIAL_EMAIL)
        assert shown(progress) == [
            ("吳○寶", StudentStatus.APPROVED, True),
            ("吳○寶", StudentStatus.APPROVED, True),
            ("吳○寶", StudentStatus.APPROVED, True),
            ("陳曉明", StudentStatus.PENDING, False),
        ]
        assert walk.shown("#masked-note")
        assert not progress.query("#cancel-0")  # the account's bindings are not this contact's
        assert progress.query("#cancel-3")
        await reload(walk, progress)
        assert len(progress.rows) == 4
        await walk.click("#log-out")

        await walk.check_progress()
        await walk.verify(Channel.EMAIL, ACCOUNT_EMAIL)
        progress = await wait_for_screen(pilot, ProgressScreen)
        assert sorted((r.student, r.status) for r in progress.rows if r.student != "陳曉明") == [
            (name, StudentStatus.APPROVED) for name in sorted(CHILDREN)
        ]
        assert ("陳曉明", StudentStatus.PENDING) in [(r.student, r.status) for r in progress.rows]
        assert not any(row.masked for row in progress.rows)
        assert "親子綁定申請進度" in walk.text(".heading")  # a status page, not thanks
        await walk.click("#log-out")

        await walk.check_progress()
        await walk.verify(Channel.EMAIL, TUTORIAL_EMAIL)
        progress = await wait_for_screen(pilot, ProgressScreen)
        assert shown(progress) == [("陳曉明", StudentStatus.PENDING, False)]


async def test_cancel_and_purge_round_trip_and_survive_a_reload_and_a_restart(
    registry: LiveRegistry, tmp_path: Path
) -> None:
    """With the account's own email: 取消 on 陳曉明 (after the confirm) removes it at the
    registry; 註銷全部紀錄 removes the other pending one and keeps the three 認證; a reload and a
    kiosk restart show the same."""
    other = registry.students(Level.ELEMENTARY)[0]
    folder = tmp_path / "kiosk"
    with kiosk_app(folder, registry.url, registry.kiosk_id, registry.key) as kiosk:
        async with kiosk.app.run_test(size=(100, 32)) as pilot:
            walk = Walk(pilot, registry)
            await walk.apply()
            await walk.verify(Channel.EMAIL, ACCOUNT_EMAIL)
            await walk.add_students(chen(registry), other)
            await walk.consent()
            await walk.parent_id("YA94109161")
            await walk.click("#next")
            await wait_for_screen(pilot, ReviewScreen)
            await walk.type("#signature-name", "王曉明")
            progress = await walk.submitted()
            assert [r.student for r in progress.rows][-2:] == ["陳曉明", other.name]
            assert registry.bindings_of_parent("YA94109161") == 5

            # 不，保留 changes nothing.
            await walk.click("#cancel-3")
            await wait_for_screen(pilot, ConfirmScreen)
            await walk.click("#confirm-keep")
            await wait_for_screen(pilot, ProgressScreen)
            assert len(progress.rows) == 5

            await confirm(walk, "#cancel-3")
            assert "已取消「陳曉明」的申請" in walk.text("#action-done")
            assert [r.student for r in progress.rows][-1] == other.name
            assert "陳曉明" not in [r.student for r in progress.rows]
            await reload(walk, progress)
            assert "陳曉明" not in [r.student for r in progress.rows]

            await confirm(walk, "#purge")
            assert "已註銷 1 筆紀錄" in walk.text("#action-done")
            assert sorted(r.student for r in progress.rows) == sorted(CHILDREN)
            await reload(walk, progress)
            assert sorted(r.student for r in progress.rows) == sorted(CHILDREN)
    # The kiosk restarts: checking again shows what the registry keeps.
    with kiosk_app(folder, registry.url, registry.kiosk_id, registry.key) as kiosk:
        async with kiosk.app.run_test(size=(100, 32)) as pilot:
            walk = Walk(pilot, registry)
            await walk.check_progress()
            await walk.verify(Channel.EMAIL, ACCOUNT_EMAIL)
            progress = await wait_for_screen(pilot, ProgressScreen)
            assert sorted((r.student, r.status) for r in progress.rows) == [
                (name, StudentStatus.APPROVED) for name in sorted(CHILDREN)
            ]
    assert registry.bindings_of_parent("YA94109161") == 5  # removed, kept for the audit


async def test_add_student_carries_the_parent_over(kiosk: Kiosk, registry: LiveRegistry) -> None:
    """新增綁定學生 on the progress page: a new application in the same session (no new code),
    the parent's details already filled in; both students then show 申請."""
    first, second = registry.students(Level.JUNIOR_HIGH)[:2]
    address = "add.more@example.com"
    number = parent_id(81)
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, address)
        await walk.add_students(first)
        await walk.consent()
        await walk.new_parent(number, "張家豪", address, "0911222333")
        await walk.type("#signature-name", "張家豪")
        await walk.submitted()
        codes = len(registry.codes_sent(Channel.EMAIL, address))

        await walk.click("#add-student")
        await wait_for_screen(pilot, RelationshipScreen)
        await walk.add_students(second)
        parent = await walk.consent()
        assert isinstance(parent, ParentScreen)
        filled = {name: parent.query_one(f"#{name}", Input).value for name in ("name", "email")}
        assert filled == {"name": "張家豪", "email": address}
        await walk.click("#next")
        await wait_for_screen(pilot, ReviewScreen)
        await walk.type("#signature-name", "張家豪")
        progress = await walk.submitted()
        assert [(r.student, r.status) for r in progress.rows] == [
            (first.name, StudentStatus.PENDING),
            (second.name, StudentStatus.PENDING),
        ]
    assert len(registry.codes_sent(Channel.EMAIL, address)) == codes  # still verified
    assert registry.bindings_of_parent(number) == 2
    assert kiosk.applications() == 2


async def test_an_attempt_refused_before_storage_is_not_shown_as_not_approved(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """The email belongs to another parent's application: told at the parent step already.
    Another email, free there, is taken by another parent's account before 送出資料: 送出資料 is
    refused in place; the parent corrects it and sends again. The progress page shows the one
    stored, 申請 — the refused attempt is no 不通過 row, then or later."""
    taken, student = registry.students(Level.ELEMENTARY)[3:5]
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, "first.parent@example.com")
        await walk.add_students(taken)
        await walk.consent()
        await walk.new_parent(parent_id(91), "陳美玲", "first.parent@example.com", "0922333444")
        await walk.type("#signature-name", "陳美玲")
        await walk.submitted()
        await walk.click("#log-out")

        await walk.apply()
        await walk.verify(Channel.EMAIL, "second.parent@example.com")
        await walk.add_students(student)
        await walk.consent()
        await walk.parent_id(parent_id(92))
        await walk.type("#name", "李建國")
        await walk.type("#email", "first.parent@example.com")
        await walk.type("#phone", "0933444555")
        await walk.click("#next")
        assert "此E-mail已有申請紀錄" in await walk.error("#email-error")
        assert isinstance(walk.screen, ParentScreen)
        await walk.type("#email", "shared.box@example.com")
        await walk.click("#next")
        await wait_for_screen(pilot, ReviewScreen)
        with registry.sessions.begin() as session:  # meanwhile, another parent's account
            create_parent_account(
                session,
                id_number=parent_id(93),
                name="王大同",
                email="shared.box@example.com",
                phone="0944555666",
                now=datetime.now(UTC),
                limits=RegistrySettings().limits,
                hasher=FAST_HASHING.hasher(),
            )
        await walk.type("#signature-name", "李建國")
        await walk.submit()
        assert "此E-mail已有申請紀錄" in await walk.error("#email-error")
        await walk.click("#back")
        await wait_for_screen(pilot, ParentScreen)
        await walk.type("#email", "second.parent@example.com")
        await walk.click("#next")
        await wait_for_screen(pilot, ReviewScreen)
        await walk.type("#signature-name", "李建國")
        progress = await walk.submitted()
        assert [(r.student, r.status) for r in progress.rows] == [
            (student.name, StudentStatus.PENDING)
        ]
        await walk.click("#log-out")

        await walk.check_progress()
        await walk.verify(Channel.EMAIL, "second.parent@example.com")
        progress = await wait_for_screen(pilot, ProgressScreen)
        assert StudentStatus.REJECTED not in [r.status for r in progress.rows]
    assert kiosk.applications() == 3  # the refused one stays here, as refused, never sent again


async def test_download_saves_the_form_and_says_where(
    kiosk: Kiosk, registry: LiveRegistry, tmp_path: Path
) -> None:
    """下載留存 without a printer: the form is saved under the kiosk's forms folder, the page
    says 「已儲存至 …」, and the PDF holds the receipt number and the student."""
    try:
        find_fonts()
    except FontMissing:
        pytest.skip("no CJK font is installed: make fonts installs fonts-noto-cjk")
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        progress = await tutorial_walk(walk, registry, TUTORIAL_EMAIL)
        receipt = walk.text("#receipt").removeprefix("收件編號：")
        await walk.click("#download")
        said = await walk.error("#form-result")
        assert progress.query_one("#form-result").has_class("-done")
    saved = tmp_path / "kiosk" / "forms" / f"{receipt}.pdf"
    assert said == f"已儲存至 {saved}"
    text = pdf_text(saved)
    assert receipt in text
    assert "陳曉明" in text


async def test_download_without_the_font_says_so(
    registry: LiveRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The configured font file is not there: the page says the form cannot be made, in red,
    and nothing is saved."""
    monkeypatch.setenv("KIOSK_FORM__FONT_PATH", str(tmp_path / "missing.ttf"))
    with kiosk_app(tmp_path / "kiosk", registry.url, registry.kiosk_id, registry.key) as kiosk:
        async with kiosk.app.run_test(size=(100, 32)) as pilot:
            walk = Walk(pilot, registry)
            progress = await tutorial_walk(walk, registry, TUTORIAL_EMAIL)
            await walk.click("#download")
            said = await walk.error("#form-result")
            assert str(tmp_path / "missing.ttf") in said
            assert progress.query_one("#form-result").has_class("-failed")
    assert not (tmp_path / "kiosk" / "forms").exists()


async def test_the_qr_code_opens_the_status_page_of_the_application(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    """After 送出資料 the page offers the QR code; its link (at most 62 characters) opens the
    registry's status page, which shows the student masked and 申請."""
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        progress = await tutorial_walk(walk, registry, TUTORIAL_EMAIL)
        await wait_for(pilot, lambda: walk.shown("#qr-row"), "the status link")
        await walk.click("#show-qr")
        qr = await wait_for_screen(pilot, QrScreen)
        url = qr.query_one("#qr", QrCode).url
        await walk.click("#qr-close")
        assert await wait_for_screen(pilot, ProgressScreen) is progress
    assert len(url) <= 62
    async with httpx.AsyncClient(base_url=registry.url) as http:
        page = await http.get(urlsplit(url).path, params={"lang": "zh-TW"})
    assert page.status_code == 200
    assert "陳○明" in page.text
    assert "申請" in page.text
