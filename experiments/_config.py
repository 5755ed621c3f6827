"""Experiment configs: scales, TOML files, ``--set key=value`` overrides, type checks, help.

An experiment's ``Config`` is a frozen dataclass whose defaults are the *quick* scale;
``Config.paper()`` (optional) and ``Config.full()`` give the other two scales. A run's
config is built in layers — the scale's config, then a TOML file, then ``--set``
overrides — and every value is checked against the field's annotated type with
:func:`msgspec.convert` (strict: ``"2000"`` is not an int, ``1`` is a valid float, lists
become tuples, fixed-length tuples are checked), so a bad key or value is refused up
front with a one-line :class:`ConfigError` naming the key, the expected type and the
valid keys. Dotted keys (``optim.lr``) reach into nested dataclass fields.

Field meanings (for ``deeprelax run NAME --help``) come from, in order: the field's
``metadata["help"]``; an ``Attributes`` (or ``Parameters``) section of the ``Config``
docstring (numpydoc: ``name`` or ``name : type`` at the section's indent, the meaning
indented below); a ``#:`` comment line above the field or a trailing ``# comment`` on
its line in the source.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import inspect
import io
import os
import re
import textwrap
import tokenize
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from deeprelax._core import ParameterError

__all__ = [
    "SCALES",
    "ConfigError",
    "ResolvedConfig",
    "config_at_scale",
    "resolve_config",
    "read_config_file",
    "parse_assignments",
    "field_docs",
    "config_help",
    "config_keys",
]

#: The scales, cheapest first: ``quick`` (the main job, minutes), ``paper`` (decides a claim,
#: ≤ 30 min per experiment on 2 cores), ``full`` (the papers' sizes, hours).
SCALES = ("quick", "paper", "full")


class ConfigError(ParameterError):
    """A config key, value, file or scale that the experiment's ``Config`` does not accept."""


@dataclass(frozen=True)
class ResolvedConfig:
    """A validated config and where its values came from.

    ``scale`` is the scale whose defaults were used (``"quick"`` when ``paper`` was asked
    for and the experiment has no ``Config.paper()``: ``scale_note`` says so);
    ``overrides`` holds the keys set by the TOML file and ``--set`` (dotted, final values).
    """

    config: Any
    scale: str
    requested_scale: str
    scale_note: str = ""
    overrides: Mapping[str, Any] = field(default_factory=dict)
    config_file: str | None = None


# ----------------------------------------------------------------------------- scales


def config_at_scale(module: ModuleType, scale: str = "quick") -> tuple[Any, str, str]:
    """``(config, effective_scale, note)`` of ``module.Config`` at ``scale``.

    ``paper`` without ``Config.paper()`` falls back to the quick config and says so in
    ``note``; ``full`` requires ``Config.full()`` (part of the protocol).
    """
    if not isinstance(scale, str) or scale not in SCALES:
        raise ConfigError(f"`scale` must be one of {', '.join(SCALES)}, got {scale!r}")
    cls = module.Config
    if scale == "quick":
        return cls(), "quick", ""
    if scale == "paper" and not callable(getattr(cls, "paper", None)):
        return cls(), "quick", (f"{module.NAME} has no paper scale (no Config.paper()): "
                                "ran its quick config instead")
    if not callable(getattr(cls, scale, None)):
        raise ConfigError(f"experiment {module.NAME!r} defines no Config.{scale}(); scales it has: "
                          f"{[s for s in SCALES if s == 'quick' or callable(getattr(cls, s, None))]}")
    return getattr(cls, scale)(), scale, ""


# ----------------------------------------------------------------------------- types


def _hints(cls: type) -> dict[str, Any]:
    mod = inspect.getmodule(cls)
    return typing.get_type_hints(cls, globalns=vars(mod) if mod else None)


def _type_name(cls: type, name: str) -> str:
    """The field's annotation as written in the source (``tuple[float, ...]``)."""
    ann = cls.__dict__.get("__annotations__", {}).get(name)
    if ann is None:
        for base in cls.__mro__[1:]:
            ann = base.__dict__.get("__annotations__", {}).get(name)
            if ann is not None:
                break
    if isinstance(ann, str):
        return ann
    return re.sub(r"\btyping\.", "", getattr(ann, "__name__", None) if isinstance(ann, type) else repr(ann))


def _tupleize(v: Any) -> Any:
    """Lists inside a value of a bare ``tuple`` field become tuples (the config stays hashable)."""
    if isinstance(v, (list, tuple)):
        return tuple(_tupleize(u) for u in v)
    return v


def config_keys(cls: type, prefix: str = "") -> dict[str, dataclasses.Field]:
    """Every settable key of a config class, nested dataclass fields as dotted keys."""
    out: dict[str, dataclasses.Field] = {}
    hints = _hints(cls)
    for f in dataclasses.fields(cls):
        out[prefix + f.name] = f
        tp = hints.get(f.name)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            out.update(config_keys(tp, prefix + f.name + "."))
    return out


def _show(v: Any, limit: int = 60) -> str:
    s = repr(v)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _unknown_key(key: str, name: str, valid: list[str], source: str) -> ConfigError:
    close = difflib.get_close_matches(key, valid, n=1)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    return ConfigError(f"unknown config key `{key}`{source} for experiment {name!r}{hint}; "
                       f"valid keys: {', '.join(valid)}")


def _apply(obj: Any, overrides: Mapping[str, Any], name: str, sources: Mapping[str, str],
           prefix: str = "") -> Any:
    """``obj`` (a config dataclass) with the dotted ``overrides`` applied and type-checked."""
    cls = type(obj)
    hints = _hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    direct: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for key, value in overrides.items():
        head, _, rest = key.partition(".")
        if head not in names:
            valid = list(config_keys(type(obj)))
            raise _unknown_key(prefix + key, name, [prefix + k for k in valid], sources.get(prefix + key, ""))
        if rest:
            sub = getattr(obj, head)
            if not dataclasses.is_dataclass(sub):
                raise ConfigError(f"config key `{prefix + head}` of experiment {name!r} is not a nested config, "
                                  f"so `{prefix + key}` does not exist; set `{prefix + head}` itself")
            nested.setdefault(head, {})[rest] = value
        else:
            direct[head] = value
    new: dict[str, Any] = {}
    for head, value in direct.items():
        tp = hints.get(head, Any)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp) and isinstance(value, Mapping):
            nested.setdefault(head, {}).update(_flatten(value))
            continue
        try:
            conv = msgspec.convert(value, tp)
        except (msgspec.ValidationError, TypeError) as exc:
            valid = ", ".join(config_keys(type(obj)))
            detail = str(exc).split(" - at ")[0]
            raise ConfigError(
                f"config key `{prefix + head}`{sources.get(prefix + head, '')} of experiment {name!r} must be "
                f"{_type_name(cls, head)}, got {_show(value)} ({type(value).__name__}: {detail}); "
                f"valid keys: {valid}") from None
        if _too_big(conv):
            raise ConfigError(f"config key `{prefix + head}`{sources.get(prefix + head, '')} of experiment {name!r} "
                              f"must be {_type_name(cls, head)} with integers that fit in 64 bits, got {_show(value)}")
        new[head] = _tupleize(conv) if tp is tuple else conv
    for head, sub in nested.items():
        new[head] = _apply(getattr(obj, head), sub, name, sources, prefix + head + ".")
    try:
        return dataclasses.replace(obj, **new)
    except ParameterError:
        raise
    except (TypeError, ValueError) as exc:  # the Config's own __post_init__ check
        raise ConfigError(f"config of experiment {name!r} refused {sorted(new)}: {exc}") from None


def _too_big(v: Any) -> bool:
    """An integer (anywhere inside ``v``) that no numpy integer holds."""
    if isinstance(v, int) and not isinstance(v, bool):
        return not -(2**63) <= v < 2**63
    if isinstance(v, (list, tuple)):
        return any(_too_big(u) for u in v)
    return False


def _flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, Mapping):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[prefix + k] = v
    return out


# ----------------------------------------------------------------------------- sources


def read_config_file(path: str | os.PathLike, name: str) -> dict[str, Any]:
    """The config values for experiment ``name`` in a TOML file (its ``[name]`` table, or top-level keys).

    Nested tables of a nested config stay nested (resolved by :func:`resolve_config`).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ConfigError(f"`config` must be a path to a TOML file, got {path!r}")
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {os.fspath(path)!r} not found (`--config`); pass the path of a TOML file, "
                          "e.g. experiments/configs/<name>.toml")
    try:
        data = tomllib.loads(p.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {os.fspath(path)!r} is not valid TOML: {exc}") from None
    if name in data and isinstance(data[name], Mapping):
        return dict(data[name])
    from experiments._base import experiment_names

    others = [k for k, v in data.items() if isinstance(v, Mapping) and k in experiment_names()]
    if others:
        raise ConfigError(f"config file {os.fspath(path)!r} has no [{name}] table (it has {others}); "
                          f"put the keys for {name} under [{name}]")
    return dict(data)


def _parse_value(text: str) -> Any:
    """A ``--set`` value: a TOML value (``2000``, ``1e-3``, ``true``, ``[0.5, 1.5]``, ``"a"``), else a plain
    number Python reads (``.5``), else the text itself as a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        pass
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def parse_assignments(items: list[str] | tuple[str, ...] | None, option: str = "--set") -> dict[str, Any]:
    """``["n_paths=2000", "lams=[0.5]"]`` → ``{"n_paths": 2000, "lams": [0.5]}`` (values parsed as TOML)."""
    out: dict[str, Any] = {}
    for item in items or ():
        if not isinstance(item, str) or "=" not in item:
            raise ConfigError(f"`{option}` expects KEY=VALUE (e.g. {option} n_paths=2000), got {item!r}")
        key, _, value = item.partition("=")
        key = key.strip()
        if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", key):
            raise ConfigError(f"`{option}` expects KEY=VALUE with KEY a config field name, got {item!r}")
        out[key] = _parse_value(value.strip())
    return out


def resolve_config(module: ModuleType, *, scale: str = "quick", config_file: str | os.PathLike | None = None,
                   overrides: Mapping[str, Any] | None = None, base: Any = None) -> ResolvedConfig:
    """The validated config of ``module`` at ``scale``, updated by a TOML file, then by ``overrides``.

    ``overrides`` maps (dotted) keys to values (already parsed, e.g. by
    :func:`parse_assignments`). ``base`` replaces the scale's config as the starting point.
    Raises :class:`ConfigError` (one line: the key, the expected type, the valid keys).
    """
    cfg, eff, note = config_at_scale(module, scale)
    if base is not None:
        cfg = base
    layers: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if config_file is not None:
        for k, v in _flatten_known(read_config_file(config_file, module.NAME), type(cfg)).items():
            layers[k] = v
            sources[k] = f" (in {os.fspath(config_file)})"
    for k, v in (overrides or {}).items():
        if not isinstance(k, str):
            raise ConfigError(f"config keys must be strings, got {k!r}")
        layers[k] = v
        sources[k] = " (from --set)"
    cfg = _apply(cfg, layers, module.NAME, sources)
    final = {k: _get(cfg, k) for k in layers}
    return ResolvedConfig(cfg, eff, scale, note, final, None if config_file is None else os.fspath(config_file))


def _flatten_known(d: Mapping[str, Any], cls: type, prefix: str = "") -> dict[str, Any]:
    """Flatten the tables of a TOML file that address nested dataclass fields into dotted keys."""
    out: dict[str, Any] = {}
    hints = _hints(cls)
    for k, v in d.items():
        tp = hints.get(k)
        if isinstance(v, Mapping) and isinstance(tp, type) and dataclasses.is_dataclass(tp):
            out.update(_flatten_known(v, tp, f"{prefix}{k}."))
        else:
            out[prefix + k] = v
    return out


def _get(obj: Any, key: str) -> Any:
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj


# ----------------------------------------------------------------------------- help


def _docstring_meanings(cls: type) -> dict[str, str]:
    """Field meanings from an ``Attributes``/``Parameters`` section of the class docstring (numpydoc)."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    out: dict[str, str] = {}
    lines = doc.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() in ("Attributes", "Parameters") and i + 1 < len(lines) and \
                set(lines[i + 1].strip()) == {"-"}:
            i += 2
            current = None
            while i < len(lines):
                line = lines[i]
                if line.strip() and not line.startswith((" ", "\t")):
                    if i + 1 < len(lines) and lines[i + 1].strip() and set(lines[i + 1].strip()) == {"-"}:
                        break  # the next section
                    m = re.match(r"^(\w+)\s*(?::.*)?$", line.strip())
                    current = m.group(1) if m else None
                    if current:
                        out[current] = ""
                elif line.strip() and current:
                    out[current] = (out[current] + " " + line.strip()).strip()
                i += 1
        i += 1
    return {k: v for k, v in out.items() if v}


def _comment_meanings(cls: type) -> dict[str, str]:
    """Field meanings from ``#:`` comments above a field or a trailing ``# comment`` on its line."""
    try:
        src = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    comments: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(src).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string
    except (tokenize.TokenError, IndentationError):
        return {}
    try:
        body = ast.parse(src).body[0].body  # type: ignore[attr-defined]
    except (SyntaxError, IndexError, AttributeError):
        return {}
    lines = src.splitlines()
    out: dict[str, str] = {}
    for node in body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        end = node.end_lineno or node.lineno
        trailing = [comments[n] for n in range(node.lineno, end + 1) if n in comments
                    and not lines[n - 1].lstrip().startswith("#")]
        above, n = [], node.lineno - 1
        while n in comments and lines[n - 1].lstrip().startswith("#:"):
            above.insert(0, comments[n])
            n -= 1
        text = " ".join(c.lstrip("#:").strip() for c in above) or " ".join(c.lstrip("#").strip() for c in trailing)
        if text:
            out[node.target.id] = text
    return out


def field_docs(cls: type) -> dict[str, str]:
    """One-line meaning of every field of a config class that documents one (see the module docstring)."""
    out = _comment_meanings(cls)
    out.update(_docstring_meanings(cls))
    for f in dataclasses.fields(cls):
        meta = f.metadata.get("help") or f.metadata.get("doc")
        if meta:
            out[f.name] = str(meta)
    return {f.name: out[f.name] for f in dataclasses.fields(cls) if f.name in out}


def _scale_values(module: ModuleType) -> dict[str, Any]:
    vals: dict[str, Any] = {}
    for s in SCALES[1:]:
        if callable(getattr(module.Config, s, None)):
            try:
                vals[s] = getattr(module.Config, s)()
            except Exception:  # noqa: BLE001 - help must not fail on a scale that cannot be built here
                continue
    return vals


def config_help(module: ModuleType, width: int = 100) -> str:
    """The config keys of an experiment: type, quick default, paper/full values where they differ, meaning."""
    cls = module.Config
    quick = cls()
    scales = _scale_values(module)
    lines = []
    for key in config_keys(cls):
        owner_path, _, fname = key.rpartition(".")
        owner = _get(quick, owner_path) if owner_path else quick
        tname = _type_name(type(owner), fname)
        default = _get(quick, key)
        other = []
        for s, cfg in scales.items():
            v = _get(cfg, key)
            if v != default:
                other.append(f"{s}: {_show(v, 40)}")
        head = f"  {key}: {tname} = {_show(default, 50)}"
        if other:
            head += "   [" + "; ".join(other) + "]"
        lines.append(head)
        meaning = field_docs(type(owner)).get(fname, "")
        if meaning:
            lines.extend(textwrap.wrap(meaning, width=width, initial_indent=" " * 6, subsequent_indent=" " * 6))
    return "\n".join(lines)
