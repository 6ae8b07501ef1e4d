"""取消 and 註銷全部紀錄 while the registry is away: kept on the kiosk (取消待上傳, 註銷待上傳),
shown so after a reload, kept across a kiosk restart, uploaded by the sync once the registry is
back — each applied once — and from 查詢申請進度 the forms and QR codes of the parent's
applications kept on this kiosk.

The registry is real (uvicorn on 127.0.0.1, demo data) and really goes away: its server stops
and starts again on the same port and database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from kiosk.client import RegistryClient
from kiosk.domain.consent import load_statement
from kiosk.domain.contact import Channel
from kiosk.domain.i18n import Translator
from kiosk.domain.people import Level
from kiosk.domain.status import StudentStatus
from kiosk.forms import FontMissing, find_fonts
from kiosk.progress import FormDesk
from kiosk.sync_actions import ActionSyncer
from screens.progress import ProgressScreen, Waiting
from screens.progress_qr import QrScreen
from screens.review import ReviewScreen
from screens.student_relationship import RelationshipScreen
from screens.widgets import QrCode
from store import central
from store.sealing import Sealer
from tests.e2e.live import Kiosk, LiveRegistry, kiosk_app, wait_for, wait_for_screen
from tests.e2e.walk import Walk
from tests.ui.registry_switch import RegistrySwitch, switchable_registry
from tests.ui.test_progress_page import (
    ACCOUNT_EMAIL,
    CHILDREN,
    confirm,
    parent_id,
    pdf_text,
    reload,
    tutorial_walk,
)


@pytest.fixture
def switched(template: Path, tmp_path: Path) -> Iterator[tuple[LiveRegistry, RegistrySwitch]]:
    """A registry of the test's own, and the switch that takes it away and brings it back."""
    with switchable_registry(tmp_path / "registry", template) as both:
        yield both


def standing(registry: LiveRegistry, parent_id: str) -> list[str]:
    """The names of the parent's bindings the registry has not removed, sorted."""
    with registry.sessions() as session:
        names = session.scalars(
            select(central.Student.name)
            .join(central.Binding, central.Binding.student_id == central.Student.id)
            .where(
                central.Binding.parent_id_number == parent_id,
                central.Binding.removed_at.is_(None),
            )
        ).all()
    return sorted(names)


def audited(registry: LiveRegistry, action: str) -> int:
    """How many times the registry's audit log has ``action``."""
    with registry.sessions() as session:
        count = session.scalar(
            select(func.count())
            .select_from(central.AuditEvent)
            .where(central.AuditEvent.action == action)
        )
    return int(count or 0)


async def apply_for_two(walk: Walk, registry: LiveRegistry) -> ProgressScreen:
    """With the account's own email: 陳曉明 and one more, by 王曉明 (YA94109161)."""
    return await tutorial_walk(
        walk, registry, ACCOUNT_EMAIL, registry.students(Level.ELEMENTARY)[0]
    )


async def sync_once(kiosk: Kiosk, registry: LiveRegistry) -> None:
    """One sync run (``kiosk sync``): the feed, the outbox, then the queued actions."""
    async with RegistryClient(
        registry.url, kiosk_id=registry.kiosk_id, key=registry.key, timeout=10.0
    ) as client:
        syncer = ActionSyncer(
            kiosk.store.outbox, client, actions=kiosk.store.actions, settings=kiosk.settings.sync
        )
        await syncer.run_once()


async def test_cancel_and_purge_offline_wait_survive_a_restart_and_upload_once(
    switched: tuple[LiveRegistry, RegistrySwitch], tmp_path: Path
) -> None:
    registry, switch = switched
    other = registry.students(Level.ELEMENTARY)[0]
    folder, sealer = tmp_path / "kiosk", Sealer(Sealer.generate_key())
    with kiosk_app(folder, registry.url, registry.kiosk_id, registry.key, sealer=sealer) as kiosk:
        async with kiosk.app.run_test(size=(100, 32)) as pilot:
            walk = Walk(pilot, registry)
            progress = await apply_for_two(walk, registry)
            assert [r.student for r in progress.rows][-2:] == ["陳曉明", other.name]
            switch.stop()  # the registry goes away

            await confirm(walk, "#cancel-3")
            assert "「陳曉明」的取消申請已保存在本機" in walk.text("#action-done")
            assert progress.query_one("#stale").display
            waiting = {r.student: r.waiting for r in progress.rows}
            assert waiting == {"陳曉明": Waiting.CANCEL, other.name: None}
            assert "取消待上傳" in walk.text(".cell-status.-queued")
            await reload(walk, progress)  # still away: the page still says it waits
            assert {r.student: r.waiting for r in progress.rows}["陳曉明"] is Waiting.CANCEL
            assert not progress.query(".cell-cancel Button")  # nothing left to cancel

            await confirm(walk, "#purge")
            assert "註銷全部紀錄已保存在本機" in walk.text("#action-done")
            assert {r.student: r.waiting for r in progress.rows} == {
                "陳曉明": Waiting.CANCEL,
                other.name: Waiting.PURGE,
            }
    # Nothing reached the registry; the kiosk stops and starts again on its database.
    assert standing(registry, "YA94109161") == sorted([*CHILDREN, "陳曉明", other.name])
    with kiosk_app(folder, registry.url, registry.kiosk_id, registry.key, sealer=sealer) as kiosk:
        assert kiosk.store.actions.waiting_count() == 2
        await sync_once(kiosk, registry)  # still away: they wait
        assert kiosk.store.actions.waiting_count() == 2
        switch.start()  # the registry is back
        await sync_once(kiosk, registry)
        assert kiosk.store.actions.waiting_count() == 0
        assert standing(registry, "YA94109161") == sorted(CHILDREN)
        await sync_once(kiosk, registry)  # nothing is sent twice, nothing applied twice
        assert (audited(registry, "binding.cancel"), audited(registry, "binding.purge")) == (1, 1)

        async with kiosk.app.run_test(size=(100, 32)) as pilot:
            walk = Walk(pilot, registry)
            await walk.check_progress()
            await walk.verify(Channel.EMAIL, ACCOUNT_EMAIL)
            progress = await wait_for_screen(pilot, ProgressScreen)
            assert sorted((r.student, r.status, r.waiting) for r in progress.rows) == [
                (name, StudentStatus.APPROVED, None) for name in sorted(CHILDREN)
            ]


async def test_a_cancel_pressed_online_is_kept_until_the_registry_takes_it(
    switched: tuple[LiveRegistry, RegistrySwitch], tmp_path: Path
) -> None:
    """The registry answers: the cancel is done at once and nothing of it waits on the kiosk."""
    registry, _switch = switched
    with kiosk_app(tmp_path / "kiosk", registry.url, registry.kiosk_id, registry.key) as kiosk:
        async with kiosk.app.run_test(size=(100, 32)) as pilot:
            walk = Walk(pilot, registry)
            progress = await apply_for_two(walk, registry)
            await confirm(walk, "#cancel-3")
            assert "已取消「陳曉明」的申請" in walk.text("#action-done")
            assert "陳曉明" not in [r.student for r in progress.rows]
        assert kiosk.store.actions.waiting_count() == 0
    assert "陳曉明" not in standing(registry, "YA94109161")


async def test_check_progress_offers_the_form_and_the_qr_code_of_each_kept_application(
    switched: tuple[LiveRegistry, RegistrySwitch], tmp_path: Path
) -> None:
    """Reached from 查詢申請進度, the page offers 下載留存 and the QR code of the parent's
    applications made on this kiosk, as after 送出資料: the form holds the receipt and the
    student; the QR code's link opens that application's status page."""
    try:
        find_fonts()
    except FontMissing:
        pytest.skip("no CJK font is installed: make fonts installs fonts-noto-cjk")
    registry, _switch = switched
    with kiosk_app(tmp_path / "kiosk", registry.url, registry.kiosk_id, registry.key) as kiosk:
        async with kiosk.app.run_test(size=(100, 32)) as pilot:
            walk = Walk(pilot, registry)
            progress = await apply_for_two(walk, registry)
            receipt = walk.text("#receipt").removeprefix("收件編號：")
            await walk.click("#log-out")

            await walk.check_progress()
            await walk.verify(Channel.EMAIL, ACCOUNT_EMAIL)
            progress = await wait_for_screen(pilot, ProgressScreen)
            assert "親子綁定申請進度" in walk.text(".heading")
            assert receipt in walk.text(".copy-row .label")
            await walk.click("#download-0")
            said = await walk.error("#form-result")
            assert progress.query_one("#form-result").has_class("-done")
            await wait_for(pilot, lambda: progress.query_one("#show-qr-0").visible, "the link")
            await walk.click("#show-qr-0")
            qr = await wait_for_screen(pilot, QrScreen)
            url = qr.query_one("#qr", QrCode).url
    saved = tmp_path / "kiosk" / "forms" / f"{receipt}.pdf"
    assert said == f"已儲存至 {saved}"
    text = pdf_text(saved)
    assert receipt in text
    assert "陳曉明" in text
    assert len(url) <= 62
    async with httpx.AsyncClient(base_url=registry.url) as http:
        page = await http.get(urlsplit(url).path, params={"lang": "zh-TW"})
    assert page.status_code == 200
    assert "陳○明" in page.text


async def test_reprint_makes_the_form_again_by_its_receipt(
    switched: tuple[LiveRegistry, RegistrySwitch], tmp_path: Path
) -> None:
    """The staff console's reprint (:meth:`kiosk.progress.FormDesk.reprint`) finds the
    application by its receipt in the kiosk's store and saves its form again; an unknown
    receipt is said, and nothing is saved."""
    try:
        find_fonts()
    except FontMissing:
        pytest.skip("no CJK font is installed: make fonts installs fonts-noto-cjk")
    registry, _switch = switched
    with kiosk_app(tmp_path / "kiosk", registry.url, registry.kiosk_id, registry.key) as kiosk:
        async with kiosk.app.run_test(size=(100, 32)) as pilot:
            walk = Walk(pilot, registry)
            await apply_for_two(walk, registry)
            receipt = walk.text("#receipt").removeprefix("收件編號：")
        desk = FormDesk(
            kiosk.settings.form,
            folder=kiosk.settings.form_folder,
            statement=load_statement("zh_TW"),
            translator=Translator("zh_TW"),
            applications=kiosk.store.applications,
        )
        done, said = await asyncio.to_thread(desk.reprint, receipt)
        saved = kiosk.settings.form_folder / f"{receipt}.pdf"
        assert (done, said) == (True, f"已儲存至 {saved}")
        text = pdf_text(saved)
        assert receipt in text
        assert "陳曉明" in text
        unknown = "KT1-20000101-0001"
        assert desk.reprint(unknown) == (False, f"本機沒有收件編號 {unknown} 的申請。")
        assert not (kiosk.settings.form_folder / f"{unknown}.pdf").exists()


async def test_a_purge_waits_for_the_application_saved_before_it(
    switched: tuple[LiveRegistry, RegistrySwitch], tmp_path: Path
) -> None:
    """The registry goes away before 送出資料: the application is saved (待上傳); 註銷全部紀錄 then
    is kept too (its row 註銷待上傳). Back online, one sync run uploads the application first and
    then the purge, which removes it: the parent's intent, in order."""
    registry, switch = switched
    student = registry.students(Level.JUNIOR_HIGH)[0]
    number, address = parent_id(93), "queued.parent@example.com"
    with kiosk_app(tmp_path / "kiosk", registry.url, registry.kiosk_id, registry.key) as kiosk:
        async with kiosk.app.run_test(size=(100, 32)) as pilot:
            walk = Walk(pilot, registry)
            await walk.apply()
            await walk.verify(Channel.EMAIL, address)
            await walk.add_students(student)
            await walk.consent()
            await walk.new_parent(number, "張家豪", address, "0911222333")
            await walk.type("#signature-name", "張家豪")
            switch.stop()
            progress = await walk.submitted()
            assert [(r.student, r.status) for r in progress.rows] == [
                (student.name, StudentStatus.QUEUED)
            ]
            await confirm(walk, "#purge")
            assert "註銷全部紀錄已保存在本機" in walk.text("#action-done")
            assert [r.waiting for r in progress.rows] == [Waiting.PURGE]
        switch.start()
        await sync_once(kiosk, registry)
        assert kiosk.store.actions.waiting_count() == 0
    assert registry.bindings_of_parent(number) == 1  # uploaded, then removed
    assert standing(registry, number) == []


async def test_an_application_made_after_a_waiting_purge_is_not_shown_as_purged(
    switched: tuple[LiveRegistry, RegistrySwitch], tmp_path: Path
) -> None:
    """註銷全部紀錄 kept while the registry is away; it comes back and the parent adds a student
    (新增綁定學生) before the sync ran: the new row is 申請 with its 取消, the older 註銷待上傳. The
    sync then removes only the older one."""
    registry, switch = switched
    first, second = registry.students(Level.JUNIOR_HIGH)[:2]
    number, address = parent_id(94), "later.parent@example.com"
    with kiosk_app(tmp_path / "kiosk", registry.url, registry.kiosk_id, registry.key) as kiosk:
        async with kiosk.app.run_test(size=(100, 32)) as pilot:
            walk = Walk(pilot, registry)
            await walk.apply()
            await walk.verify(Channel.EMAIL, address)
            await walk.add_students(first)
            await walk.consent()
            await walk.new_parent(number, "張家豪", address, "0911222333")
            await walk.type("#signature-name", "張家豪")
            progress = await walk.submitted()
            switch.stop()
            await confirm(walk, "#purge")
            assert [r.waiting for r in progress.rows] == [Waiting.PURGE]
            switch.start()

            await walk.click("#add-student")
            await wait_for_screen(pilot, RelationshipScreen)
            await walk.add_students(second)
            await walk.consent()
            await walk.click("#next")
            await wait_for_screen(pilot, ReviewScreen)
            await walk.type("#signature-name", "張家豪")
            progress = await walk.submitted()
            assert [(r.student, r.waiting) for r in progress.rows] == [
                (first.name, Waiting.PURGE),
                (second.name, None),
            ]
            assert progress.query("#cancel-1")
        await sync_once(kiosk, registry)
    assert standing(registry, number) == [second.name]
