"""The status page a phone opens from the QR code: its short signed link, the page in both
languages, and a clear refusal for an altered or expired link (never a 500)."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from kiosk.domain.masking import mask_name
from registry.services.status_links import make_token, read_token
from store.central import Binding
from tests.registry.harness import Live, error_of

CHROMIUM = "/usr/bin/chromium"


def _applied(live: Live) -> tuple[str, list[str], list[str]]:
    """An application of three students, the first approved, the second rejected: its link's
    path, the students' names and their binding ids."""
    _token, challenge = live.parent_session("status.page@example.com")
    students = live.roster.at("353301")[:3]
    submission = live.submission(challenge, students, email="status.page@example.com")
    answer = live.submit(submission)
    assert answer.status_code == 201, answer.text
    ids = [b["binding_id"] for b in answer.json()["bindings"]]
    with live.sessions.begin() as session:
        session.execute(
            update(Binding).where(Binding.id == uuid.UUID(ids[0])).values(status="approved")
        )
        session.execute(
            update(Binding)
            .where(Binding.id == uuid.UUID(ids[1]))
            .values(status="rejected", reason="查無此人")
        )
    link = live.http.get(
        f"/v1/applications/{submission.application_id}/status-link", headers=live.kiosk.headers()
    )
    assert link.status_code == 200, link.text
    url = link.json()["url"]
    assert len(url) <= 62
    assert url.startswith(live.settings.public_base_url + "/s/")
    return urlsplit(url).path, [s.name for s in students], ids


def test_the_page_shows_each_student_masked_with_its_status(live: Live) -> None:
    path, names, _ids = _applied(live)
    page = live.http.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="zh-TW">' in html
    for name in names:
        assert mask_name(name) in html
        assert name not in html  # masked, never the full name
    assert all(word in html for word in ("認證", "不通過", "申請"))
    assert "查無此人" not in html  # the reason may name the student
    assert "<script" not in html
    english = live.http.get(path, params={"lang": "en"}).text
    assert all(word in english for word in ("Approved", "Not approved", "Applied"))
    by_header = live.http.get(path, headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert '<html lang="en">' in by_header


def test_the_english_link_opens_the_page_in_english(live: Live) -> None:
    """A kiosk where the parent chose English shows /e/<token>: the page in English, with its
    link back to Chinese; an altered English link is refused in English."""
    path, _names, _ids = _applied(live)
    english = live.http.get(path.replace("/s/", "/e/", 1))
    assert english.status_code == 200
    assert '<html lang="en">' in english.text
    assert all(word in english.text for word in ("Approved", "Not approved"))
    back = live.http.get(path.replace("/s/", "/e/", 1), params={"lang": "zh-TW"})
    assert '<html lang="zh-TW">' in back.text
    refused = live.http.get("/e/" + "x" * 35)
    assert refused.status_code == 404
    assert "Link not valid" in refused.text


def test_an_altered_or_expired_link_gets_a_clear_page(live: Live) -> None:
    path, _names, _ids = _applied(live)
    token = path.removeprefix("/s/")
    altered = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    for bad in (altered, token[:-3], "x" * 35, "%00", "a" * 500):
        page = live.http.get(f"/s/{bad}")
        assert page.status_code == 404, bad
        assert "連結無效" in page.text
    live.clock.advance(days=live.settings.status_link_days + 1)
    expired = live.http.get(path)
    assert expired.status_code == 410
    assert "連結已過期" in expired.text
    assert "Link expired" in live.http.get(path, params={"lang": "en"}).text


def test_only_the_kiosk_that_submitted_gets_the_link(live: Live) -> None:
    path, _names, _ids = _applied(live)
    application_id = read_token(live_pepper(live), path.removeprefix("/s/"), live.clock().date())
    other = live.new_kiosk()
    refused = live.http.get(
        f"/v1/applications/{application_id}/status-link", headers=other.headers()
    )
    assert refused.status_code == 404
    assert error_of(refused)["code"] == "application.not_found"
    unknown = live.http.get(
        f"/v1/applications/{uuid.uuid4()}/status-link", headers=live.kiosk.headers()
    )
    assert error_of(unknown)["code"] == "application.not_found"


def test_a_cancelled_student_leaves_the_page(live: Live) -> None:
    path, _names, ids = _applied(live)
    token, _ = live.parent_session("status.page@example.com")
    assert live.http.delete(f"/v1/bindings/{ids[2]}", headers=live.kiosk.headers(token)).is_success
    rows = [row for row in live.http.get(path).text.split("<tr>") if "<td" in row]
    assert len(rows) == 2


def test_a_token_from_another_key_is_not_accepted(live: Live) -> None:
    path, _names, _ids = _applied(live)
    application_id = read_token(live_pepper(live), path.removeprefix("/s/"), live.clock().date())
    forged = make_token(b"another registry's pepper......", application_id, live.clock().date())
    assert live.http.get(f"/s/{forged}").status_code == 404


def live_pepper(live: Live) -> bytes:
    """The registry's pepper, as every registry process reads it."""
    return live.settings.pepper_path.read_bytes()


@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")
def test_the_page_in_headless_chromium(live: Live) -> None:
    """Chromium loads the page: each student's status shows; an altered or expired link shows
    the refusal page."""
    path, names, _ids = _applied(live)

    def dom(url: str) -> str:
        done = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=90,
            check=True,
        )
        return done.stdout

    for query, words in (
        ("?lang=zh-TW", ("認證", "不通過", "申請")),
        ("", ("Approved", "Not approved", "Applied")),  # chromium asks for English
    ):
        shown = dom(live.base_url + path + query)
        rows = [row for row in shown.split("<tr>") if "<td" in row]
        assert [mask_name(name) in row for name, row in zip(names, rows, strict=True)] == [True] * 3
        assert [word in row for word, row in zip(words, rows, strict=True)] == [True] * 3
    token = path.removeprefix("/s/")
    altered = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    assert "連結無效" in dom(f"{live.base_url}/s/{altered}?lang=zh-TW")
    live.clock.advance(days=live.settings.status_link_days + 1)
    assert "Link expired" in dom(live.base_url + path)
