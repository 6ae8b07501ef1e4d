"""The configuration reference, written from the settings models' own field docstrings.

Both ends describe their settings with models whose fields carry docstrings: the registry's are
pydantic models (their docstrings read with ``use_attribute_docstrings``), the kiosk's msgspec
structs (light enough to be checked before its Welcome screen; their docstrings read here, from
the source, when the reference is asked for). :func:`settings_reference`
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

import msgspec
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

#: A settings model of either end.
Model = type[BaseModel] | type[msgspec.Struct]
#: A setting without a default.
_REQUIRED: Any = object()


def settings_reference(model: Model, *, env_prefix: str, title: str) -> str:
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
    model: Model, path: tuple[str, ...], env_prefix: str
) -> Iterator[tuple[str, str, str, str]]:
    for name, annotation, default, description in _fields(model):
        nested = _model_of(annotation)
        if nested is not None:
            yield from _rows(nested, (*path, name), env_prefix)
            continue
        key = ".".join((*path, name))
        env = env_prefix + "__".join((*path, name)).upper()
        described = description or _attribute_docs(model).get(name, "")
        yield key, env, _default(default), _doc(annotation, described)


def _fields(model: Model) -> Iterator[tuple[str, Any, Any, str | None]]:
    """Each field's name, type, default (:data:`_REQUIRED` when none) and description."""
    if issubclass(model, msgspec.Struct):
        for info in msgspec.structs.fields(model):
            required = (
                info.default is msgspec.NODEFAULT and info.default_factory is msgspec.NODEFAULT
            )
            default = info.default if info.default is not msgspec.NODEFAULT else None
            yield info.name, info.type, _REQUIRED if required else default, None
        return
    for name, field in model.model_fields.items():
        default = _REQUIRED if field.default is PydanticUndefined else field.default
        yield name, field.annotation, default, field.description


def _model_of(annotation: Any) -> Model | None:
    """The model a field holds: itself, or inside ``Model | None`` (an optional table)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel | msgspec.Struct):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [m for arg in typing.get_args(annotation) if (m := _model_of(arg)) is not None]
        if len(models) == 1:
            return models[0]
    return None


def _default(value: Any) -> str:
    if value is _REQUIRED:
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
def _attribute_docs(model: Model) -> dict[str, str]:
    """Each field's docstring (the string right under it) in the source of ``model``."""
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if cls.__module__.partition(".")[0] in {"builtins", "pydantic", "msgspec"}:
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


def _doc(annotation: Any, described: str) -> str:
    # The docstrings are reStructuredText: ``code`` reads as `code` in Markdown.
    text = " ".join(described.split()).replace("``", "`")
    allowed = _choices(annotation)
    if allowed:
        text += f" One of: {', '.join(f'`{choice}`' for choice in allowed)}."
    return text.replace("|", "\\|")


def _choices(annotation: Any) -> list[str]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _choices(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return [str(arg) for arg in typing.get_args(annotation)]
    if origin in (typing.Union, types.UnionType):
        return [c for arg in typing.get_args(annotation) for c in _choices(arg)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return []
