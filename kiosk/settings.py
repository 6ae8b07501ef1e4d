"""The kiosk's settings: a TOML file plus ``KIOSK_*`` environment variables.

The settings object is built once (by the CLI, or by a test) and handed to
:func:`kiosk.app.make_app`; nothing reads it from a global. Nested sections map to TOML tables
(``[registry]``, ``[support]``) and to environment variables with a double underscore
(``KIOSK_REGISTRY__URL``). Precedence: explicit arguments, then the environment, then the file,
then the defaults below.

The models are msgspec structs, checked by :func:`msgspec.convert` when the settings are read:
they are read before the Welcome screen (they may refuse the kiosk), and msgspec costs ~5 ms
there where pydantic cost ~70 ms (its import and the models' schemas). Read them with
:meth:`KioskSettings.load`; a struct built directly (``SyncSettings(attempts=1)``) is not checked.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Final, Literal, get_args, get_origin

import msgspec
from msgspec import Meta, Struct, field

#: The audience every registry expects in a kiosk token (registry/API.md).
REGISTRY_AUDIENCE = "coolclass-registry"
#: The environment variables' prefix (any case); nested keys join with ``__``.
ENV_PREFIX: Final = "KIOSK_"


class RegistrySettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """Where the central registry is and who this kiosk is to it."""

    url: str = "http://127.0.0.1:8600"
    """Base URL of the registry (without ``/v1``)."""

    kiosk_id: str | None = None
    """The id the registry gave this kiosk at enrollment (``kiosk enroll``)."""

    key_file: Path | None = None
    """The kiosk's Ed25519 private key (PEM, mode 0600); default ``<data_dir>/kiosk.key``."""

    audience: str = REGISTRY_AUDIENCE
    """The ``aud`` claim of the kiosk's tokens, as the registry announced at enrollment."""

    connect_timeout: Annotated[float, Meta(gt=0, le=60)] = 5.0
    """Seconds to wait for a connection to the registry."""

    timeout: Annotated[float, Meta(gt=0, le=120)] = 15.0
    """Seconds to wait for any one read of an answer of the registry."""

    deadline: Annotated[float, Meta(gt=0, le=300)] | None = None
    """Seconds a request may take as a whole (a registry dripping bytes is cut off there);
    default ``timeout`` plus 5."""

    allow_plain_http: bool = False
    """Accept an ``http://`` URL of a registry on another machine (parents' data would cross the
    network unencrypted: only for a closed test network). ``https://`` and ``http://`` to this
    machine need nothing."""


class SupportSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """The help line shown in every screen's footer (the tutorial's defaults)."""

    phone: str = "(02)8798-6336"
    """客服專線."""

    line: str = "@032rjiko"
    """The LINE@ account."""


class SyncSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """How the kiosk uploads applications and learns their statuses (:mod:`kiosk.sync`)."""

    interval_seconds: Annotated[float, Meta(gt=0, le=3600)] = 60.0
    """How often the sync worker runs when nothing wakes it (a new submission does)."""

    retention_days: Annotated[float, Meta(gt=0)] = 7.0
    """Days an application decided (approved or rejected everywhere) keeps its personal data
    here; then only its receipt stays."""

    batch_size: Annotated[int, Meta(ge=1, le=1000)] = 100
    """Outbox entries taken at a time when there is a backlog."""

    concurrency: Annotated[int, Meta(ge=1, le=64)] = 4
    """Uploads in flight at once."""

    attempts: Annotated[int, Meta(ge=1, le=10)] = 3
    """Tries of one upload within a run (short backoff between them) before it is put off."""

    backoff_initial_seconds: Annotated[float, Meta(gt=0)] = 30.0
    """How long an upload that failed is put off the first time; doubled each time after."""

    backoff_max_seconds: Annotated[float, Meta(gt=0)] = 900.0
    """The longest an upload is put off."""


class FormSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """The application form 「下載留存」: where it goes, and the font it is set in."""

    printer: str | None = None
    """The CUPS printer the form is printed on; without one the form is saved to ``folder``."""

    folder: Path | None = None
    """Where forms are saved when no printer is configured; default ``<data_dir>/forms``."""

    font_path: Path | None = None
    """A Noto Sans CJK TC (or other CJK) font file; default: found through fontconfig."""

    font_index: Annotated[int, Meta(ge=0)] = 0
    """The face in ``font_path`` when it is a ``.ttc`` collection."""


class DisplaySettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """How the screens look (``[display]``)."""

    theme: Literal["textual-dark", "high-contrast"] = "textual-dark"
    """The colours: ``textual-dark`` (the default), or ``high-contrast`` — white on black with a
    bright yellow for what can be pressed, for parents who see poorly."""


class KioskSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """Everything a kiosk needs to know at start-up.

    Read with :meth:`load` (checked; the ``KIOSK_*`` variables below the arguments, the file
    below both). Built directly, nothing is checked and the environment is not read.
    """

    registry: RegistrySettings = field(default_factory=RegistrySettings)
    """The central registry."""

    data_dir: Path = Path("data")
    """The kiosk's own folder: its database, key and (in the demo) the registry's outbox."""

    database: str | None = None
    """SQLAlchemy URL of the local database; default ``sqlite:///<data_dir>/kiosk.db``."""

    seal_key_file: Path | None = None
    """The key that encrypts personal data at rest (created 0600 at first start);
    default ``<data_dir>/seal.key``."""

    backup_dir: Path | None = None
    """Where the rolling copy of the local SQLite database is kept, made after every saved
    application: best another disk; default ``<data_dir>/backup``."""

    receipt_code: Annotated[str, Meta(pattern=r"^[A-Z0-9]{1,8}$")] | None = None
    """This kiosk's code in receipt numbers (``K<code>-YYYYMMDD-NNNN``); default from the
    kiosk id."""

    support: SupportSettings = field(default_factory=SupportSettings)
    """The help line in the footer."""

    sync: SyncSettings = field(default_factory=SyncSettings)
    """Uploading applications and pulling their statuses."""

    form: FormSettings = field(default_factory=FormSettings)
    """The application form 「下載留存」: printer, save folder, font."""

    language: str = "zh_TW"
    """The catalog the screens speak (``kiosk/locale/<language>``)."""

    mode: Literal["parent"] = "parent"
    """What the kiosk shows: the parent wizard (the staff console comes later)."""

    demo: bool = False
    """Demo mode: a banner on every screen and the latest code read from the file outbox."""

    demo_outbox: Path | None = None
    """The registry's file outbox the demo reads codes from; default ``<data_dir>/outbox.jsonl``."""

    idle_seconds: Annotated[int, Meta(ge=10)] = 120
    """Seconds without input before the kiosk asks 「仍在使用嗎？」."""

    display: DisplaySettings = field(default_factory=DisplaySettings)
    """How the screens look: the theme."""

    @property
    def database_url(self) -> str:
        """The local database's URL, defaulting to a SQLite file in the data folder."""
        return self.database or f"sqlite:///{self.data_dir / 'kiosk.db'}"

    @property
    def database_file(self) -> Path | None:
        """The local database's file when it is SQLite (None for another database)."""
        url = self.database_url
        return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None

    @property
    def backup_path(self) -> Path:
        """The folder of the rolling backup, defaulting to ``<data_dir>/backup``."""
        return self.backup_dir or self.data_dir / "backup"

    @property
    def key_path(self) -> Path:
        """The kiosk's private key file, defaulting to ``<data_dir>/kiosk.key``."""
        return self.registry.key_file or self.data_dir / "kiosk.key"

    @property
    def seal_key_path(self) -> Path:
        """The at-rest encryption key file, defaulting to ``<data_dir>/seal.key``."""
        return self.seal_key_file or self.data_dir / "seal.key"

    @property
    def kiosk_code(self) -> str:
        """The code in this kiosk's receipt numbers: set, or the kiosk id's first hex digits."""
        if self.receipt_code is not None:
            return self.receipt_code
        kiosk_id = self.registry.kiosk_id or ""
        digits = "".join(ch for ch in kiosk_id.removeprefix("k-").upper() if ch.isalnum())
        return digits[:6] or "LOCAL"

    @property
    def form_folder(self) -> Path:
        """Where forms are saved without a printer, defaulting to ``<data_dir>/forms``."""
        return self.form.folder or self.data_dir / "forms"

    @property
    def outbox_path(self) -> Path:
        """The file outbox the demo banner reads, defaulting to ``<data_dir>/outbox.jsonl``."""
        return self.demo_outbox or self.data_dir / "outbox.jsonl"

    @classmethod
    def load(cls, config_file: Path | None = None, **overrides: Any) -> KioskSettings:
        """Reads the settings: ``overrides``, then ``KIOSK_*`` variables, then the TOML file.

        Args:
            config_file: A TOML file (its tables are the nested sections); ``None`` for none.
            **overrides: Values that beat both the environment and the file.

        Raises:
            ConfigError: The file cannot be read, is not TOML, or a value is not allowed (one
                line saying which and why, for the operator).
        """
        values: dict[str, Any] = {}
        if config_file is not None:
            try:
                values = tomllib.loads(config_file.read_text(encoding="utf-8"))
            except OSError as error:
                reason = error.strerror or type(error).__name__
                raise ConfigError(f"cannot read the config file {config_file}: {reason}") from None
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
                raise ConfigError(f"the config file {config_file} is not TOML: {error}") from None
        # The environment beats the file, so an operator can override one value in place.
        values = _deep_merge(_deep_merge(values, _environment()), overrides)
        try:
            # Lax: the environment's values are strings ("3", "true"); TOML's are typed.
            return msgspec.convert(values, cls, strict=False, dec_hook=_path)
        except msgspec.ValidationError as error:
            where = f" in {config_file}" if config_file is not None else ""
            raise ConfigError(
                f"the kiosk's settings{where} are not valid: {_problem(error)}"
            ) from None


class ConfigError(ValueError):
    """The kiosk's configuration cannot be used; the message is the one line an operator reads."""


def record_kiosk_id(config_file: Path, kiosk_id: str) -> None:
    """Writes ``kiosk_id`` into the ``[registry]`` table of ``config_file`` (``kiosk enroll``).

    The rest of the file is kept as it was, comments and layout included (tomlkit); the table
    is added when missing. The file is replaced whole, in one rename, with its mode kept.

    Raises:
        ConfigError: The file cannot be read, written or parsed (one line for the operator).
    """
    import os
    import tempfile

    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        document = tomlkit.parse(config_file.read_text(encoding="utf-8"))
        registry = document.get("registry")
        if registry is None:
            registry = tomlkit.table()
            document["registry"] = registry
        registry["kiosk_id"] = kiosk_id
        mode = config_file.stat().st_mode & 0o7777
        fd, temporary = tempfile.mkstemp(dir=config_file.parent, prefix=f".{config_file.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(tomlkit.dumps(document))
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, mode)
            os.replace(temporary, config_file)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(f"cannot write the kiosk id into {config_file}: {reason}") from None
    except (TOMLKitError, UnicodeDecodeError) as error:
        raise ConfigError(f"the config file {config_file} is not TOML: {error}") from None


def _path(kind: type, value: object) -> object:
    """Paths from the file's and the environment's strings (msgspec's ``dec_hook``)."""
    if kind is Path and isinstance(value, str | Path):
        return Path(value)
    if kind is Path:
        raise TypeError(f"Expected a path, got `{type(value).__name__}`")
    raise NotImplementedError


def _problem(error: msgspec.ValidationError) -> str:
    """One line for the operator: ``registry.timeout: Expected `float` <= 120.0`` (msgspec says
    ``Expected `float` <= 120.0 - at `$.registry.timeout```)."""
    message, at, where = str(error).rpartition(" - at `$.")
    if not at:
        return f"settings: {where}"
    where = where.removesuffix("`")
    choices = _choices(where)
    if message.startswith("Invalid enum value") and choices:
        message += f" (one of: {', '.join(choices)})"
    return f"{where}: {message}"


def _choices(where: str) -> tuple[str, ...]:
    """The values a ``Literal`` setting at ``where`` (``display.theme``) allows."""
    kind: object = KioskSettings
    for name in where.split("."):
        table = _table_of(kind)
        kind = {f.name: f.type for f in msgspec.structs.fields(table)}.get(name) if table else None
    return tuple(map(str, get_args(kind))) if get_origin(kind) is Literal else ()


def _environment() -> dict[str, Any]:
    """The settings the ``KIOSK_*`` variables give (any case), nested: ``KIOSK_REGISTRY__URL``
    is ``[registry] url``; a table's own variable (``KIOSK_REGISTRY``) holds JSON. Variables
    that name no setting are not the kiosk's and are left alone.

    Raises:
        ConfigError: A table's variable that is not a JSON object.
    """
    prefix = ENV_PREFIX.lower()
    given = {name.lower(): value for name, value in os.environ.items()}
    if not any(name.startswith(prefix) for name in given):
        return {}
    return _variables(KioskSettings, given, prefix, ())


def _variables(
    model: type[Struct], given: Mapping[str, str], prefix: str, path: tuple[str, ...]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for setting in msgspec.structs.fields(model):
        name = prefix + setting.name
        table = _table_of(setting.type)
        if table is None:
            if name in given:
                values[setting.name] = given[name]
            continue
        whole: Any = {}
        if name in given:
            try:
                whole = json.loads(given[name])
            except ValueError:
                whole = None
            if not isinstance(whole, dict):
                raise ConfigError(
                    f"the {ENV_PREFIX}* environment variables are not valid: "
                    f"{'.'.join((*path, setting.name))} ({name.upper()}) is a table: its value "
                    "must be a JSON object"
                )
        parts = _variables(table, given, name + "__", (*path, setting.name))
        if whole or parts:
            values[setting.name] = _deep_merge(whole, parts)
    return values


def _table_of(kind: object) -> type[Struct] | None:
    """The settings table a field holds (its struct), if it is one."""
    return kind if isinstance(kind, type) and issubclass(kind, Struct) else None


def _deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``top``, table by table."""
    merged = dict(base)
    for key, value in top.items():
        below = merged.get(key)
        if isinstance(below, Mapping) and isinstance(value, Mapping):
            merged[key] = _deep_merge(below, value)
        else:
            merged[key] = value
    return merged
