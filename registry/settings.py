"""The registry's settings: defaults for the embedded demo, ``REGISTRY_*`` environment for the rest.

Nested values use ``__`` in the environment (``REGISTRY_LIMITS__SMS_MAX=3``,
``REGISTRY_NOTIFY__KIND=smtp+sms``). The settings object is built once (by the CLI or a test) and
passed to :func:`registry.app.create_app`; nothing reads it from a global.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Self

from argon2 import PasswordHasher, Type
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kiosk.domain.consent import load_statement
from kiosk.domain.wire import AUDIENCE, KIOSK_TOKEN_MAX_LIFETIME_S, MAX_BODY_BYTES
from registry.notify.config import NotifyConfig

#: Where the registry keeps its database, keys and file outbox unless told otherwise.
DEFAULT_DATA_DIR = Path("data")
#: The embedded default database.
DEFAULT_DATABASE_URL = "sqlite:///./data/registry.db"


class Limits(BaseModel):
    """The rules' numbers (SPEC §1): codes, sends, look-ups, logins, accounts, tokens."""

    model_config = ConfigDict(use_attribute_docstrings=True, frozen=True)

    sms_max: int = Field(default=2, ge=1)
    """Codes sent by SMS to one number in any window."""
    sms_window_minutes: int = Field(default=60, ge=1)
    """The SMS window."""
    email_max: int = Field(default=5, ge=1)
    """Codes sent to one email address in any window."""
    email_window_minutes: int = Field(default=60, ge=1)
    """The email window."""
    code_ttl_minutes: int = Field(default=60, ge=1)
    """How long a code is valid."""
    code_attempts: int = Field(default=5, ge=1)
    """Wrong entries that kill a code."""
    lookup_misses: int = Field(default=5, ge=1)
    """Student look-ups that may fail before the parent session locks."""
    parent_lookups: int = Field(default=10, ge=1)
    """Parent-ID look-ups one parent session may make (each answers masked personal data)."""
    parent_session_minutes: int = Field(default=60, ge=1)
    """How long a verified contact stays verified."""
    staff_session_minutes: int = Field(default=480, ge=1)
    """How long a staff login lasts."""
    login_failures: int = Field(default=5, ge=1)
    """Wrong passwords (or unknown logins) that lock a login for the client that tried them."""
    login_lock_minutes: int = Field(default=15, ge=1)
    """How long such a lock lasts (and the window failures are counted in)."""
    client_login_failures: int = Field(default=20, ge=1)
    """Failures one client may have over all logins in that window before every login of
    theirs is refused unhashed."""
    login_account_failures: int = Field(default=10, ge=1)
    """Failures on one login from all clients together in that window after which only the
    clients that signed in to it before may try it (an attacker rotating addresses is stopped;
    the teacher at their usual desk is not)."""
    concurrent_hashes: int = Field(default=2, ge=1)
    """Password hashes computed at once in one process (argon2id: 64 MiB each)."""
    client_concurrent_logins: int = Field(default=2, ge=1)
    """Logins one client may have running at once."""
    in_person_per_day: int = Field(default=20, ge=1)
    """Parents one staff member may verify in person (臨櫃核對身分) in a day (Taipei time)."""
    account_unused_days: int = Field(default=14, ge=1)
    """A new parent account not signed in to within this many days expires."""
    enrollment_token_days: int = Field(default=7, ge=1)
    """How long a kiosk's one-time enrollment token can be used."""
    kiosk_token_max_lifetime_s: int = Field(default=KIOSK_TOKEN_MAX_LIFETIME_S, ge=1, le=3600)
    """The longest a kiosk JWT may live (``exp - iat``)."""
    clock_skew_s: int = Field(default=30, ge=0, le=300)
    """How far a kiosk's clock may run ahead of the registry's (``iat`` in the future)."""

    @property
    def code_ttl(self) -> timedelta:
        """:attr:`code_ttl_minutes` as a duration."""
        return timedelta(minutes=self.code_ttl_minutes)


class PasswordHashing(BaseModel):
    """argon2id cost of new password hashes (a hash keeps its own, so changing this is safe)."""

    model_config = ConfigDict(use_attribute_docstrings=True, frozen=True)

    time_cost: int = Field(default=3, ge=1)
    """Passes over memory (RFC 9106 low-memory profile: 3)."""
    memory_cost_kib: int = Field(default=65536, ge=8)
    """Memory per hash in KiB (64 MiB)."""
    parallelism: int = Field(default=4, ge=1)
    """Lanes."""

    def hasher(self) -> PasswordHasher:
        """An argon2id hasher with these costs."""
        return PasswordHasher(
            time_cost=self.time_cost,
            memory_cost=self.memory_cost_kib,
            parallelism=self.parallelism,
            type=Type.ID,
        )


class RegistrySettings(BaseSettings):
    """Everything the registry needs to run."""

    model_config = SettingsConfigDict(
        env_prefix="REGISTRY_",
        env_nested_delimiter="__",
        use_attribute_docstrings=True,
        frozen=True,
        extra="forbid",
    )

    database_url: str = DEFAULT_DATABASE_URL
    """SQLAlchemy URL: a SQLite file (embedded default) or ``postgresql://...``."""
    data_dir: Path = DEFAULT_DATA_DIR
    """Holds the key files and the file outbox when their paths are not given."""
    issuer: str = "coolclass-registry"
    """The ``iss`` of the parent and staff tokens this registry signs."""
    audience: str = AUDIENCE
    """The ``aud`` kiosks sign their tokens for; parent and staff tokens get ``<aud>/parent``
    and ``<aud>/staff`` so that one kind can never pass for another."""
    signing_key_file: Path | None = None
    """The registry's own Ed25519 private key (PEM, created 0600 on first start);
    ``<data_dir>/registry-signing-key.pem`` when not given. Every registry process serving one
    database must share it."""
    pepper_file: Path | None = None
    """The HMAC key the codes are hashed with (created 0600 on first start);
    ``<data_dir>/code-pepper.key`` when not given. Shared like the signing key."""
    limits: Limits = Field(default_factory=Limits)
    """The rules' numbers."""
    password_hashing: PasswordHashing = Field(default_factory=PasswordHashing)
    """argon2id cost of new password hashes."""
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, ge=1024)
    """Request bodies larger than this are refused (413) before they are read."""
    notify: NotifyConfig | None = None
    """How parents are told things; None: the file outbox ``<data_dir>/outbox.jsonl``."""
    version: str = "0.1.0"
    """Reported by ``/v1/health``."""
    prune_every_minutes: int = Field(default=60, ge=1)
    """How often each registry process deletes what is past its retention
    (:mod:`registry.services.retention`); once at start, then at this interval."""
    outbox_every_seconds: float = Field(default=15.0, gt=0)
    """How often each registry process sends the queued messages that are due (an approval's
    email that could not be sent at once, retried with backoff)."""
    consent_versions: tuple[str, ...] = Field(
        default_factory=lambda: (load_statement("zh_TW").version,)
    )
    """The personal-data statement versions a submission may name: the current one, plus any
    earlier one that kiosks may still hold applications under."""
    public_base_url: str = Field(
        default="http://127.0.0.1:8600", pattern=r"^https?://[A-Za-z0-9.:\[\]-]+$", max_length=24
    )
    """The registry as a phone reaches it (scheme and host, no path): the status page's short
    links start with it. At most 24 characters, so a link stays within the 62 a small QR code
    holds."""
    status_link_days: int = Field(default=90, ge=1, le=3650)
    """How long a status page link lasts."""

    @model_validator(mode="after")
    def _paths_in_data_dir(self) -> Self:
        # Frozen: fill the derived paths through object.__setattr__ once, at validation.
        if self.signing_key_file is None:
            object.__setattr__(self, "signing_key_file", self.data_dir / "registry-signing-key.pem")
        if self.pepper_file is None:
            object.__setattr__(self, "pepper_file", self.data_dir / "code-pepper.key")
        if self.notify is None:
            object.__setattr__(self, "notify", NotifyConfig(outbox=self.data_dir / "outbox.jsonl"))
        return self

    @property
    def signing_key_path(self) -> Path:
        """The signing key file (always set after validation)."""
        assert self.signing_key_file is not None
        return self.signing_key_file

    @property
    def pepper_path(self) -> Path:
        """The pepper file (always set after validation)."""
        assert self.pepper_file is not None
        return self.pepper_file

    @property
    def notify_config(self) -> NotifyConfig:
        """The notifier settings (always set after validation)."""
        assert self.notify is not None
        return self.notify
