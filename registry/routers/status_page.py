"""The read-only status page a phone opens from the progress page's QR code, and its link.

``GET /v1/applications/{id}/status-link`` (the kiosk that submitted it) gives the short link;
``GET /s/{token}`` serves a small, mobile-first HTML page in Traditional Chinese or English
(``?lang=en`` or the Accept-Language header); ``GET /e/{token}`` the same page in English (the link
a kiosk shows when the parent chose English), with no script and no personal data beyond masked
names and statuses. An altered token gets a 404 page, an expired one a 410 page: never a 500.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from html import escape
from types import MappingProxyType
from typing import Annotated, Final

from fastapi import APIRouter, Header, Query
from fastapi.responses import HTMLResponse

from kiosk.domain.i18n import STATUS_PAGE_PATHS
from kiosk.domain.status import BindingStatus
from kiosk.domain.wire import StatusLinkOut
from registry.deps import KioskDep, NowDep, RegistryDep, SessionDep, UnitOfWorkRoute
from registry.errors import ERROR_RESPONSES
from registry.services import status_links
from registry.services.status_links import LinkExpired, LinkInvalid, StatusRow

router = APIRouter(tags=["status"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)
#: Served outside /v1: the link must stay short.
page_router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

_WORDS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "zh-TW": MappingProxyType(
            {
                "title": "親子綁定申請進度",
                "student": "學生",
                "status": "狀態",
                BindingStatus.PENDING: "申請（導師審核中）",
                BindingStatus.APPROVED: "認證",
                BindingStatus.REJECTED: "不通過",
                "empty": "此申請目前沒有綁定中的學生。",
                "expires": "此連結有效至 {day}。",
                "invalid_title": "連結無效",
                "invalid": "此連結無法辨識，可能已被修改或不完整。請掃描親子綁定機台上的 QR Code。",
                "expired_title": "連結已過期",
                "expired": "此連結已過期。請至親子綁定機台以電子郵件或手機重新驗證，查詢申請進度。",
                "support": "客服專線 (02)8798-6336 · LINE@ @032rjiko",
                "other": "English",
            }
        ),
        "en": MappingProxyType(
            {
                "title": "Parent–student binding status",
                "student": "Student",
                "status": "Status",
                BindingStatus.PENDING: "Applied (the homeroom teacher is reviewing)",
                BindingStatus.APPROVED: "Approved",
                BindingStatus.REJECTED: "Not approved",
                "empty": "No student of this application is waiting or bound.",
                "expires": "This link works until {day}.",
                "invalid_title": "Link not valid",
                "invalid": "This link cannot be read: it may have been changed or cut short. "
                "Please scan the QR code on the binding kiosk.",
                "expired_title": "Link expired",
                "expired": "This link has expired. Verify your email or phone again at the "
                "binding kiosk to check the progress.",
                "support": "Helpline (02)8798-6336 · LINE@ @032rjiko",
                "other": "中文",
            }
        ),
    }
)

_STYLE: Final = (
    "body{font-family:system-ui,'Noto Sans CJK TC',sans-serif;margin:0;padding:1rem;"
    "max-width:36rem;margin:auto;color:#111;background:#fff;line-height:1.5}"
    "h1{font-size:1.3rem;color:#0b5394}table{width:100%;border-collapse:collapse}"
    "th,td{text-align:left;padding:.5rem;border-bottom:1px solid #ddd}"
    ".approved{color:#17803d;font-weight:bold}.pending{color:#a15c00}.rejected{color:#b3261e}"
    "footer{margin-top:2rem;font-size:.9rem;color:#555}"
)


def _language(lang: str | None, accept: str | None) -> str:
    """English when asked for (``?lang=en``, or English before Chinese in Accept-Language)."""
    if lang is not None:
        return "en" if lang.lower().startswith("en") else "zh-TW"
    for part in (accept or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-TW"
        if tag.startswith("en"):
            return "en"
    return "zh-TW"


def _page(language: str, title: str, body: str, *, token: str, status: int) -> HTMLResponse:
    words = _WORDS[language]
    other = "en" if language == "zh-TW" else "zh-TW"
    html = (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>{body}"
        f'<footer><p><a href="{escape(token)}?lang={other}">{escape(words["other"])}</a></p>'
        f"<p>{escape(words['support'])}</p></footer></body></html>"
    )
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return HTMLResponse(html, status_code=status, headers=headers)


def _table(words: Mapping[str, str], rows: list[StatusRow]) -> str:
    if not rows:
        return f"<p>{escape(words['empty'])}</p>"
    cells = "".join(
        f'<tr><td>{escape(row.masked_name)}</td><td class="{row.status.value}">'
        f"{escape(words[row.status])}</td></tr>"
        for row in rows
    )
    return (
        f"<table><thead><tr><th>{escape(words['student'])}</th>"
        f"<th>{escape(words['status'])}</th></tr></thead><tbody>{cells}</tbody></table>"
    )


@router.get("/applications/{application_id}/status-link")
def status_link(
    application_id: uuid.UUID,
    session: SessionDep,
    registry: RegistryDep,
    now: NowDep,
    kiosk: KioskDep,
) -> StatusLinkOut:
    """The short link of the status page of an application this kiosk submitted."""
    settings = registry.settings
    return status_links.status_link(
        session,
        registry.pepper,
        base_url=settings.public_base_url,
        days=settings.status_link_days,
        kiosk_id=kiosk.kiosk_id,
        application_id=application_id,
        now=now,
    )


@page_router.get(STATUS_PAGE_PATHS["en"] + "{token}", response_class=HTMLResponse)
def status_page_in_english(
    token: str,
    session: SessionDep,
    registry: RegistryDep,
    now: NowDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    """The same page, in English unless ``?lang=`` asks otherwise (the link of a kiosk where the
    parent chose English: the path says it, the QR code has no room for a query)."""
    return status_page(token, session, registry, now, lang=lang or "en")


@page_router.get(STATUS_PAGE_PATHS["zh_TW"] + "{token}", response_class=HTMLResponse)
def status_page(
    token: str,
    session: SessionDep,
    registry: RegistryDep,
    now: NowDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    accept_language: Annotated[str | None, Header(max_length=200)] = None,
) -> HTMLResponse:
    """The students of one application, masked, and their statuses; or why the link fails."""
    language = _language(lang, accept_language)
    words = _WORDS[language]
    try:
        application_id = status_links.read_token(registry.pepper, token, now.date())
        rows = status_links.status_rows(session, application_id)
    except LinkExpired:
        title = words["expired_title"]
        return _page(language, title, f"<p>{escape(words['expired'])}</p>", token=token, status=410)
    except LinkInvalid:
        rows = None
    if rows is None:
        title = words["invalid_title"]
        return _page(language, title, f"<p>{escape(words['invalid'])}</p>", token=token, status=404)
    return _page(language, words["title"], _table(words, rows), token=token, status=200)
