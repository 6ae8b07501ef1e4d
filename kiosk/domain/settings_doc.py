"""The configuration reference, written from the settings models' own field docstrings.

Both ends describe their settings with pydantic models whose fields carry docstrings
(``use_attribute_docstrings``). :func:`settings_reference` turns such a model into the Markdown
table the operators' guide shows, so that the guide cannot drift from the code: a test compares
the guide with what this gives, and ``kiosk config-reference`` / ``registry config-reference``
print it.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined


def settings_reference(model: type[BaseModel], *, env_prefix: str, title: str) -> str:
    """A Markdown section: one row per setting, nested models as TOML tables.

    Args:
        model: The settings model (its nested models become ``[table]`` keys).
        env_prefix: The environment prefix (``KIOSK_``); nested keys join with ``__``.
        title: The section's heading.
    """
    lines = [
        f"### {title}",
        "",
        "| setting | environment | default | what it is |",
        "|---|---|---|---|",
    ]
    for key, env, default, doc in _rows(model, (), env_prefix):
        lines.append(f"| `{key}` | `{env}` | {default} | {doc} |")
    return "\n".join(lines) + "\n"


def _rows(
    model: type[BaseModel], path: tuple[str, ...], env_prefix: str
) -> Iterator[tuple[str, str, str, str]]:
    for name, field in model.model_fields.items():
        nested = _model_of(field.annotation)
        if nested is not None:
            yield from _rows(nested, (*path, name), env_prefix)
            continue
        key = ".".join((*path, name))
        env = env_prefix + "__".join((*path, name)).upper()
        yield key, env, _default(field), _doc(field)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds: itself, or inside ``Model | None`` (an optional table)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [m for arg in typing.get_args(annotation) if (m := _model_of(arg)) is not None]
        if len(models) == 1:
            return models[0]
    return None


def _default(field: FieldInfo) -> str:
    value = field.default
    if value is PydanticUndefined:
        return "(required)"
    if value is None:
        return "(none)"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def _doc(field: FieldInfo) -> str:
    # The docstrings are reStructuredText: ``code`` reads as `code` in Markdown.
    text = " ".join((field.description or "").split()).replace("``", "`")
    allowed = _choices(field.annotation)
    if allowed:
        text += f" One of: {', '.join(f'`{choice}`' for choice in allowed)}."
    return text.replace("|", "\\|")


def _choices(annotation: Any) -> list[str]:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return [str(arg) for arg in typing.get_args(annotation)]
    if origin in (typing.Union, types.UnionType):
        return [c for arg in typing.get_args(annotation) for c in _choices(arg)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return []
