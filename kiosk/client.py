"""The kiosk's typed client of the central registry (registry/API.md).

Every call carries a fresh kiosk JWT (EdDSA, signed with the kiosk's own Ed25519 key; ``iss``
``kiosk:<id>``, ``sub``, ``aud``, ``iat``, ``exp`` one minute later, a new ``jti``), and the
parent's session token where the call needs one. Bodies are the shared models of
:mod:`kiosk.domain.wire`, so the two ends cannot drift.

Failures come back as :class:`~kiosk.domain.errors.DomainError` only: the registry's own error
body becomes its code, field and parameters; a connection that fails or times out becomes
``REGISTRY_UNREACHABLE``; anything else (a body that is not the contract's) ``REGISTRY_ERROR``.

httpx, pyjwt and pydantic are heavy to import: the app imports this module after its first frame.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Final, Self, TypeVar
from uuid import UUID

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ValidationError

from kiosk.domain.clock import SKEW_WARNING_S
from kiosk.domain.contact import Channel
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.i18n import DEFAULT_LANGUAGE, Language
from kiosk.domain.parent_actions import BindingActionIn, BindingActionOut
from kiosk.domain.people import Level
from kiosk.domain.status import BindingStatus
from kiosk.domain.wire import (
    API_PREFIX,
    AUDIENCE,
    DEFAULT_CHANGES_PAGE,
    PARENT_SESSION_HEADER,
    STAFF_SESSION_HEADER,
    BindingListOut,
    ChangeFeedOut,
    CodeChallengeOut,
    CodeRequestIn,
    CodeVerifyIn,
    ErrorOut,
    HealthOut,
    KioskEnrollIn,
    KioskEnrollmentOut,
    KioskOut,
    ParentLookupIn,
    ParentLookupOut,
    ParentSessionOut,
    RejectIn,
    SchoolListOut,
    SchoolOut,
    StaffBindingListOut,
    StaffBindingOut,
    StaffEventAction,
    StaffEventIn,
    StaffLoginIn,
    StaffSessionOut,
    StatusLinkOut,
    StudentVerifyIn,
    StudentVerifyOut,
    SubmissionIn,
    SubmissionOut,
)
from kiosk.domain.wire_parent import ParentEmailCheckIn, ParentEmailCheckOut
from kiosk.keys import load_key, public_key_b64

ModelT = TypeVar("ModelT", bound=BaseModel)

log = logging.getLogger(__name__)

#: A whole request may take this much longer than the per-read timeout (its longest honest answer).
DEADLINE_MARGIN_S: Final = 5.0

#: How long each kiosk token lives: long enough for a slow answer, far below the registry's cap.
TOKEN_LIFETIME_S: Final = 60


def refuse_plain_http(base_url: str) -> None:
    """Refuses a registry URL that would carry personal data unencrypted over a network.

    ``https://`` is always fine; ``http://`` only to this machine (``localhost``, 127.0.0.0/8,
    ``::1``: the embedded demo registry).

    Raises:
        ValueError: ``base_url`` is neither.
    """
    url = httpx.URL(base_url)
    if url.scheme == "https":
        return
    if url.scheme == "http":
        host = url.host
        if host == "localhost":
            return
        try:
            if ipaddress.ip_address(host).is_loopback:
                return
        except ValueError:
            pass
    raise ValueError(
        f"refusing the registry URL {base_url!r}: use https:// (plain http:// only to this "
        "machine, unless allowed explicitly)"
    )


class RegistryClient:
    """Talks to one registry as one enrolled kiosk.

    Args:
        base_url: The registry's URL without ``/v1`` (``http://127.0.0.1:8600``).
        kiosk_id: The id the registry gave this kiosk at enrollment.
        key: The kiosk's private key (its public half was enrolled).
        audience: The ``aud`` the registry expects.
        timeout: Seconds to wait for any one read of an answer.
        connect_timeout: Seconds to wait for a connection.
        deadline: Seconds a request may take as a whole, however its bytes trickle in (the
            per-read timeout alone lets a registry dripping a byte at a time hold a parent for
            minutes); default ``timeout`` plus :data:`DEADLINE_MARGIN_S`.
        now: Gives the time for the tokens' ``iat``/``exp`` (Unix seconds); tests inject it.
        transport: An httpx transport to use instead of the network (tests).
        allow_plain_http: Accept an ``http://`` URL of a registry that is not on this machine.

    Raises:
        ValueError: ``base_url`` is plain ``http://`` elsewhere without ``allow_plain_http``.

    Attributes:
        clock_skew: The registry's clock minus this kiosk's, in seconds, from the ``Date``
            header of its last answer (None before one came); kiosk health shows it. Once a
            token is refused while the skew is large, tokens are dated by the registry's clock
            (and the refused call is made once more), so a kiosk clock that is off does not
            make every call ``auth.invalid``.
    """

    def __init__(
        self,
        base_url: str,
        *,
        kiosk_id: str | None,
        key: Ed25519PrivateKey | None,
        audience: str = AUDIENCE,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
        deadline: float | None = None,
        now: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
        allow_plain_http: bool = False,
    ) -> None:
        if not allow_plain_http:
            refuse_plain_http(base_url)
        self.base_url = base_url.rstrip("/")
        self._deadline = deadline if deadline is not None else timeout + DEADLINE_MARGIN_S
        self.clock_skew: float | None = None
        self._token_offset = 0.0
        self.kiosk_id = kiosk_id
        self._key = key
        self._audience = audience
        self._now = now
        self._http = httpx.AsyncClient(
            base_url=self.base_url + API_PREFIX,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            trust_env=False,  # the registry is never behind a proxy the environment names
            follow_redirects=False,
        )

    @classmethod
    def from_key_file(
        cls,
        base_url: str,
        *,
        kiosk_id: str | None,
        key_file: Path,
        audience: str = AUDIENCE,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
        deadline: float | None = None,
        allow_plain_http: bool = False,
    ) -> Self:
        """A client signing with the key in ``key_file`` (see :mod:`kiosk.keys`).

        Raises:
            FileNotFoundError: No key there: the kiosk is not enrolled (``kiosk enroll``).
            ValueError: The file is not an Ed25519 private key, or ``base_url`` is refused
                (see :func:`refuse_plain_http`).
        """
        return cls(
            base_url,
            kiosk_id=kiosk_id,
            key=load_key(key_file),
            audience=audience,
            timeout=timeout,
            connect_timeout=connect_timeout,
            deadline=deadline,
            allow_plain_http=allow_plain_http,
        )

    async def aclose(self) -> None:
        """Closes the connections (the client cannot be used afterwards)."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    # --- the calls ---------------------------------------------------------------------------

    async def health(self) -> HealthOut:
        """``GET /v1/health``: whether the registry is up."""
        return await self._call("GET", "/health", HealthOut, auth=False)

    async def enroll(self, enrollment_token: str, public_key: str) -> KioskEnrollmentOut:
        """``POST /v1/kiosks/enroll``: registers this kiosk's public key with a one-time token.

        Args:
            enrollment_token: What ``registry add-kiosk`` printed.
            public_key: Base64 of the raw public key (:func:`kiosk.keys.public_key_b64`).
        """
        body = KioskEnrollIn(enrollment_token=enrollment_token, public_key=public_key)
        return await self._call("POST", "/kiosks/enroll", KioskEnrollmentOut, body=body, auth=False)

    async def me(self) -> KioskOut:
        """``GET /v1/kiosks/me``: this kiosk as the registry knows it (its last receipt)."""
        return await self._call("GET", "/kiosks/me", KioskOut)

    async def request_code(
        self, channel: Channel, address: str, language: Language = DEFAULT_LANGUAGE
    ) -> CodeChallengeOut:
        """``POST /v1/codes``: sends a one-time code to an email address or a mobile number."""
        body = CodeRequestIn(channel=channel, address=address, language=language)
        return await self._call("POST", "/codes", CodeChallengeOut, body=body)

    async def verify_code(self, challenge_id: UUID, code: str) -> ParentSessionOut:
        """``POST /v1/codes/verify``: the code typed; a parent session when it is right."""
        body = CodeVerifyIn(challenge_id=challenge_id, code=code)
        return await self._call("POST", "/codes/verify", ParentSessionOut, body=body)

    async def schools(self, level: Level) -> list[SchoolOut]:
        """``GET /v1/schools?level=``: the schools of one level, by name."""
        answer = await self._call("GET", "/schools", SchoolListOut, params={"level": level.value})
        return answer.schools

    async def verify_student(
        self, session: ParentSessionOut, level: Level, student_id: str, school_code: str
    ) -> StudentVerifyOut:
        """``POST /v1/students/verify``: the pupil with this level, ID and school."""
        body = StudentVerifyIn(level=level, student_id=student_id, school_code=school_code)
        return await self._call(
            "POST", "/students/verify", StudentVerifyOut, body=body, session=session
        )

    async def lookup_parent(self, session: ParentSessionOut, parent_id: str) -> ParentLookupOut:
        """``POST /v1/parents/lookup``: whether this parent ID has an account (masked prefill)."""
        body = ParentLookupIn(parent_id=parent_id)
        return await self._call(
            "POST", "/parents/lookup", ParentLookupOut, body=body, session=session
        )

    async def email_taken(self, session: ParentSessionOut, parent_id: str, email: str) -> bool:
        """``POST /v1/parents/email-check``: whether this email is another parent ID's."""
        body, path = ParentEmailCheckIn(parent_id=parent_id, email=email), "/parents/email-check"
        answer = await self._call("POST", path, ParentEmailCheckOut, body=body, session=session)
        return answer.taken

    async def submit(self, submission: SubmissionIn) -> SubmissionOut:
        """``POST /v1/applications``: idempotent on ``submission.application_id``."""
        return await self._call("POST", "/applications", SubmissionOut, body=submission)

    async def changes(self, after: int, limit: int = DEFAULT_CHANGES_PAGE) -> ChangeFeedOut:
        """``GET /v1/changes``: this kiosk's binding changes numbered above ``after``."""
        params = {"after": str(after), "limit": str(limit)}
        return await self._call("GET", "/changes", ChangeFeedOut, params=params)

    async def bindings(self, session: ParentSessionOut) -> BindingListOut:
        """``GET /v1/bindings``: the session's bindings, and whether their account signed in."""
        return await self._call("GET", "/bindings", BindingListOut, session=session)

    async def cancel_binding(self, session: ParentSessionOut, binding_id: UUID) -> None:
        """``DELETE /v1/bindings/{id}``: cancels one pending binding."""
        await self._request("DELETE", f"/bindings/{binding_id}", session=session)

    async def binding_action(self, action: BindingActionIn) -> BindingActionOut:
        """``POST /v1/bindings/actions``: a queued cancel or purge (idempotent on its id)."""
        return await self._call("POST", "/bindings/actions", BindingActionOut, body=action)

    async def status_link(self, application_id: UUID) -> StatusLinkOut:
        """``GET /v1/applications/{id}/status-link``: the status page's short link (the QR)."""
        return await self._call("GET", f"/applications/{application_id}/status-link", StatusLinkOut)

    # --- staff (the staff console; a staff token, no kiosk token: a teacher's desk has no key) ---

    async def staff_login(self, username: str, password: str) -> StaffSessionOut:
        """``POST /v1/staff/login``: a staff token (8 hours)."""
        body = StaffLoginIn(username=username, password=password)
        return await self._call("POST", "/staff/login", StaffSessionOut, body=body, auth=False)

    async def staff_bindings(
        self, staff: StaffSessionOut, status: BindingStatus
    ) -> list[StaffBindingOut]:
        """``GET /v1/staff/bindings``: the bindings of ``status`` in the staff member's scope."""
        params = {"status": status.value}
        answer = await self._call(
            "GET", "/staff/bindings", StaffBindingListOut, params=params, staff=staff, auth=False
        )
        return answer.bindings

    async def approve(self, staff: StaffSessionOut, binding_id: UUID) -> StaffBindingOut:
        """``POST /v1/staff/bindings/{id}/approve`` (the parent's first creates the account)."""
        return await self._staff_action(staff, binding_id, "approve")

    async def reject(
        self, staff: StaffSessionOut, binding_id: UUID, reason: str
    ) -> StaffBindingOut:
        """``POST /v1/staff/bindings/{id}/reject`` with the reason the parent reads."""
        return await self._staff_action(staff, binding_id, "reject", RejectIn(reason=reason))

    async def paper_form_received(
        self, staff: StaffSessionOut, binding_id: UUID
    ) -> StaffBindingOut:
        """``POST /v1/staff/bindings/{id}/paper-form``: 紙本同意書已收."""
        return await self._staff_action(staff, binding_id, "paper-form")

    async def staff_event(self, staff: StaffSessionOut, action: StaffEventAction) -> None:
        """``POST /v1/staff/events``: audits a staff action on this kiosk (kiosk and staff)."""
        body = StaffEventIn(action=action)
        await self._request("POST", "/staff/events", body=body, staff=staff)

    async def _staff_action(
        self,
        staff: StaffSessionOut,
        binding_id: UUID,
        action: str,
        body: BaseModel | None = None,
    ) -> StaffBindingOut:
        return await self._call(
            "POST",
            f"/staff/bindings/{binding_id}/{action}",
            StaffBindingOut,
            body=body,
            staff=staff,
            auth=self._key is not None,  # a kiosk's console names its kiosk (a desk has no key)
        )

    # --- plumbing ----------------------------------------------------------------------------

    def kiosk_token(self) -> str:
        """A fresh kiosk JWT (used once: the registry refuses a replayed ``jti``).

        Raises:
            DomainError: ``AUTH_REQUIRED`` when this kiosk has no key or id (not enrolled).
        """
        if self._key is None or self.kiosk_id is None:
            raise DomainError(ErrorCode.AUTH_REQUIRED)
        # Dated by the registry's clock, as far as its answers told it (see clock_skew).
        issued = int(self._now() + self._token_offset)
        claims = {
            "iss": f"kiosk:{self.kiosk_id}",
            "sub": self.kiosk_id,
            "aud": self._audience,
            "iat": issued,
            "exp": issued + TOKEN_LIFETIME_S,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA")

    async def _call(
        self,
        method: str,
        path: str,
        answer: type[ModelT],
        *,
        body: BaseModel | None = None,
        params: Mapping[str, str] | None = None,
        session: ParentSessionOut | None = None,
        auth: bool = True,
        staff: StaffSessionOut | None = None,
    ) -> ModelT:
        """One request whose answer is ``answer``'s JSON."""
        response = await self._request(
            method, path, body=body, params=params, session=session, auth=auth, staff=staff
        )
        try:
            return answer.model_validate_json(response.content)
        except ValidationError:
            raise DomainError(ErrorCode.REGISTRY_ERROR) from None

    async def _request(
        self,
        method: str,
        path: str,
        *,
        body: BaseModel | None = None,
        params: Mapping[str, str] | None = None,
        session: ParentSessionOut | None = None,
        auth: bool = True,
        staff: StaffSessionOut | None = None,
    ) -> httpx.Response:
        """One request; the registry's error answers and transport failures as DomainError."""
        headers: dict[str, str] = {}
        signed_with = self._token_offset
        if auth:
            headers["Authorization"] = f"Bearer {self.kiosk_token()}"
        if session is not None:
            headers[PARENT_SESSION_HEADER] = session.session_token
        if staff is not None:
            headers[STAFF_SESSION_HEADER] = staff.session_token
        content = body.model_dump_json().encode("utf-8") if body is not None else None
        if content is not None:
            headers["Content-Type"] = "application/json"
        try:
            async with asyncio.timeout(self._deadline):
                response = await self._http.request(
                    method, path, content=content, params=params, headers=headers
                )
        except TimeoutError:
            # The answer did not come whole in time (a registry dripping bytes): out of reach.
            raise DomainError(ErrorCode.REGISTRY_UNREACHABLE) from None
        except httpx.TransportError:
            # Refused, reset, timed out, name not found: the registry is out of reach.
            raise DomainError(ErrorCode.REGISTRY_UNREACHABLE) from None
        except httpx.HTTPError:
            # An answer that cannot be read (gzip that is not, say): the registry may well have
            # acted on the request, so this is its misbehaviour, never "not stored".
            raise DomainError(ErrorCode.REGISTRY_ERROR) from None
        self._note_clock(response)
        if response.is_error:
            error = _error_of(response)
            skew = self.clock_skew or 0.0
            offset = skew if abs(skew) > SKEW_WARNING_S else 0.0
            if auth and error.code is ErrorCode.AUTH_INVALID and abs(offset - signed_with) > 1:
                # Refused, dated by a clock the answer shows to be off: once more, dated by the
                # registry's clock (a refused token did nothing); kept if that is accepted.
                self._token_offset = offset
                try:
                    return await self._request(
                        method, path, body=body, params=params, session=session, auth=auth
                    )
                except DomainError as again:
                    if again.code is ErrorCode.AUTH_INVALID:
                        self._token_offset = signed_with
                    raise
            raise error
        return response

    def _note_clock(self, response: httpx.Response) -> None:
        """Learns the registry's clock from its ``Date`` header (to the second)."""
        try:
            stamp = parsedate_to_datetime(response.headers["date"]).timestamp()
        except (KeyError, TypeError, ValueError):
            return
        skew = stamp - self._now()
        # Date has whole seconds: a skew within one second is none.
        skew = 0.0 if abs(skew) < 1.5 else skew
        if abs(skew) > SKEW_WARNING_S and (
            self.clock_skew is None or abs(skew - self.clock_skew) > SKEW_WARNING_S
        ):
            log.warning("clock skew: the registry's clock is %+.0f s from this kiosk's", skew)
        self.clock_skew = skew


def _error_of(response: httpx.Response) -> DomainError:
    """The DomainError a registry error answer stands for."""
    try:
        detail = ErrorOut.model_validate_json(response.content).error
    except ValidationError:
        # Not the contract's error body (a proxy's page, a crash): say the registry misbehaved.
        return DomainError(ErrorCode.REGISTRY_ERROR)
    # A ``request.invalid`` names its field in the params as well: it is ``field`` here.
    params = {name: value for name, value in detail.params.items() if name != "field"}
    return DomainError(detail.code, field=detail.field, **params)


async def enroll(
    base_url: str, key: Ed25519PrivateKey, enrollment_token: str
) -> KioskEnrollmentOut:
    """Enrolls this kiosk's key at a registry with a one-time token (``registry add-kiosk``).

    Args:
        base_url: The registry's URL (without ``/v1``).
        key: The kiosk's private key; its public half is sent.
        enrollment_token: The one-time token.

    Raises:
        DomainError: ``KIOSK_ENROLLMENT_INVALID`` for a bad or used token, or as any call.
    """
    async with RegistryClient(base_url, kiosk_id=None, key=key) as client:
        return await client.enroll(enrollment_token, public_key_b64(key))
