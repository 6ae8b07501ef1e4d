"""The configuration reference, written from the settings models' own field docstrings.

Both ends describe their settings with pydantic models whose fields carry docstrings (read with
``use_attribute_docstrings``, or — the kiosk's, whose start should not pay for reading its own
source — here, from the source, when the reference is asked for). :func:`settings_reference`
turns such a model into the Markdown table the operators' guide shows, so that the guide cannot
drift from the code: a test compares the guide with what this gives, and ``kiosk
config-reference`` / ``registry config-reference`` print it.
"""

from __future__ import annotations

import ast
import enum
import inspect
import textwrap
import types
import typing
from collections.abc import Iterator
from functools import cache
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
        described = field.description or _attribute_docs(model).get(name, "")
        yield key, env, _default(field), _doc(field, described)


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


@cache
def _attribute_docs(model: type[BaseModel]) -> dict[str, str]:
    """Each field's docstring (the string right under it) in the source of ``model``."""
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not issubclass(cls, BaseModel) or cls.__module__.startswith("pydantic"):
            continue
        try:
            source = textwrap.dedent(inspect.getsource(cls))
        except (OSError, TypeError):
            continue
        tree = ast.parse(source).body[0]
        if not isinstance(tree, ast.ClassDef):
            continue
        for before, after in zip(tree.body, tree.body[1:], strict=False):
            if (
                isinstance(before, ast.AnnAssign)
                and isinstance(before.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[before.target.id] = inspect.cleandoc(after.value.value)
    return docs


def _doc(field: FieldInfo, described: str) -> str:
    # The docstrings are reStructuredText: ``code`` reads as `code` in Markdown.
    text = " ".join(described.split()).replace("``", "`")
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
