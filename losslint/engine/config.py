"""Settings: `[tool.losslint]` in the nearest pyproject.toml (or losslint.toml), then the
command line on top, like ruff.

The nearest configuration file wins, walking up from the first path linted (or the
current directory): `.losslint.toml`, then `losslint.toml` (both without the tool table),
then a `pyproject.toml` that has a `[tool.losslint]` table (one without it is skipped).
Relative patterns in `exclude` and `per-file-ignores` are relative to the directory of
that file, the project root; without a file, to the current directory.

Rule selection follows ruff: `select` replaces the set of the layer below (the defaults,
then the file, then the command line), `extend-select` adds, `ignore` removes, and a more
specific selector wins over a less specific one (`LL103` over `LL1` over `LL` over `ALL`),
`ignore` winning ties.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from losslint.rules import catalog

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAMES = (".losslint.toml", "losslint.toml", "pyproject.toml")

# Like ruff's `include`: the files a directory walk lints (files named on the command
# line are linted whatever their name). Markdown and reStructuredText are read for their
# Python blocks (losslint/documents/).
DEFAULT_INCLUDE: tuple[str, ...] = ("*.py", "*.pyi", "*.ipynb", "*.md", "*.rst")

# Like ruff's defaults: never descend into these (`exclude` replaces the list,
# `extend-exclude` adds to it).
DEFAULT_EXCLUDES = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache",
    ".svn", ".tox", ".venv", ".vscode", "__pypackages__", "_build", "buck-out", "build",
    "dist", "node_modules", "site-packages", "venv", ".losslint_cache", "__pycache__",
)


class ConfigError(Exception):
    """A configuration problem: reported on one line, exit 2."""


# --- rule selectors -------------------------------------------------------------------

_PREFIX = re.compile(r"LL[0-9]{0,2}")


def resolve_selector(selector: str, where: str = "") -> frozenset[str]:
    """The rule codes a selector names: `ALL`, a code, a name, or a code prefix (`LL1`)."""
    rules = catalog.load().rules
    text = selector.strip()
    if text.upper() == "ALL":
        return frozenset(r.code for r in rules)
    rule = catalog.load().by_code_or_name(text)
    if rule is not None:
        return frozenset({rule.code})
    if _PREFIX.fullmatch(text.upper()):
        codes = frozenset(r.code for r in rules if r.code.startswith(text.upper()))
        if codes:
            return codes
    suffix = f" {where}" if where else ""
    raise ConfigError(f"unknown rule selector `{selector}`{suffix} (see `losslint rule --all`)")


def specificity(selector: str) -> int:
    """ALL < LL < LL1 < LL10 < a full code or a name (ruff's order)."""
    text = selector.strip().upper()
    if text == "ALL":
        return 0
    if _PREFIX.fullmatch(text):
        return len(text) - 1
    return 4


@dataclass
class Selection:
    """One layer of rule selection (the file, or the command line)."""

    select: list[str] | None = None  # None: keep the set of the layer below
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    where: str = ""

    def apply(self, enabled: frozenset[str]) -> frozenset[str]:
        current = set() if self.select is not None else set(enabled)
        steps = [(s, False) for s in (self.select or []) + self.extend_select]
        steps += [(s, True) for s in self.ignore]
        # Less specific first, so that a more specific selector has the last word;
        # at equal specificity `ignore` comes last and wins.
        for selector, is_ignore in sorted(steps, key=lambda step: (specificity(step[0]), step[1])):
            codes = resolve_selector(selector, self.where)
            if is_ignore:
                current -= codes
            else:
                current |= codes
        return frozenset(current)


# --- path patterns --------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    """A ruff-style glob: without a `/` it matches a file or directory name anywhere;
    with one it matches the path relative to the project root (`*` crosses `/`).
    A leading `!` negates it (per-file-ignores only)."""

    text: str
    root: Path

    @property
    def negated(self) -> bool:
        return self.text.startswith("!")

    @functools.cached_property
    def _compiled(self) -> tuple[bool, re.Pattern[str]] | None:
        """(matches names only, regex), or None for an empty pattern."""
        glob = (self.text[1:] if self.negated else self.text).rstrip("/")
        if not glob:
            return None
        if "/" not in glob:
            return True, re.compile(fnmatch.translate(glob))
        full = glob if os.path.isabs(glob) else (self.root / glob).as_posix()
        full = os.path.normpath(full).replace(os.sep, "/")
        return False, re.compile(fnmatch.translate(full))

    def matches_entry(self, name: str, posix: str) -> bool:
        """The pattern against one path only (its name and its absolute `/` form)."""
        if self._compiled is None:
            return False
        names_only, regex = self._compiled
        hit = regex.match(name if names_only else posix) is not None
        return hit != self.negated

    def matches(self, path: Path, parents: bool = True) -> bool:
        """Whether `path` (absolute), or one of its directories below the root, matches."""
        if self._compiled is None:
            return False
        candidates = _candidates(path, self.root) if parents else [path]
        names_only, regex = self._compiled
        hit = any(regex.match(c.name if names_only else c.as_posix()) for c in candidates)
        return hit != self.negated


def _candidates(path: Path, root: Path) -> list[Path]:
    """The path and its directories up to (not including) the project root; only the
    path itself when it lies outside the root (a `build` directory above the project
    must not exclude the whole project)."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        return [path]
    parts = relative.parts
    return [root.joinpath(*parts[: i + 1]) for i in range(len(parts))]


# --- settings -------------------------------------------------------------------------


@dataclass
class Settings:
    root: Path  # the project root: the config file's directory, or the current directory
    config_path: Path | None = None
    enabled: frozenset[str] = field(default_factory=lambda: resolve_selector("ALL"))
    per_file_ignores: list[tuple[Pattern, frozenset[str]]] = field(default_factory=list)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: tuple[str, ...] = ()
    # Which files a directory walk lints (ruff's `include`/`extend-include`: globs).
    include: tuple[str, ...] = DEFAULT_INCLUDE
    extend_include: tuple[str, ...] = ()
    respect_gitignore: bool = True
    force_exclude: bool = False
    # Keys that other parts of losslint read (see OPTIONS), as written in the file.
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def default(cls, root: Path | None = None) -> "Settings":
        return cls(root=(root or Path.cwd()).resolve())

    def include_patterns(self) -> list[Pattern]:
        return [Pattern(p, self.root) for p in (*self.include, *self.extend_include)]

    def exclude_patterns(self) -> list[Pattern]:
        return [Pattern(p, self.root) for p in (*self.exclude, *self.extend_exclude)]

    def is_excluded(self, path: Path) -> bool:
        """Excluded by `exclude`/`extend-exclude` (the path or a directory above it)."""
        return any(p.matches(path) for p in self.exclude_patterns())

    def ignored_codes(self, path: str) -> frozenset[str]:
        ignored: set[str] = set()
        for pattern, codes in self.per_file_ignores:
            if pattern.matches(Path(path)):
                ignored |= codes
        return frozenset(ignored)

    def is_enabled(self, code: str, path: str) -> bool:
        """Whether a rule reports in a file (select/ignore, then per-file-ignores)."""
        return code in self.enabled and code not in self.ignored_codes(path)


# --- reading the files ----------------------------------------------------------------

_Check = Callable[[Any, str], Any]


def _strings(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`{key}` must be a list of strings")
    return value


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"`{key}` must be true or false")
    return value


def _table_of_strings(value: Any, key: str) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ConfigError(f"`{key}` must be a table of pattern = [rules]")
    return {k: _strings(v, f"{key}.{k}") for k, v in value.items()}


# The keys of `[tool.losslint]` and how each is checked. Other features add their keys
# here (their values land in Settings.extra); anything else is an error.
OPTIONS: dict[str, _Check] = {
    "select": _strings,
    "extend-select": _strings,
    "ignore": _strings,
    "per-file-ignores": _table_of_strings,
    "extend-per-file-ignores": _table_of_strings,
    "exclude": _strings,
    "extend-exclude": _strings,
    "include": _strings,
    "extend-include": _strings,
    "respect-gitignore": _bool,
    "force-exclude": _bool,
}


def find_config(start: Path) -> Path | None:
    """The nearest configuration file at or above `start` (a directory)."""
    for directory in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if not candidate.is_file():
                continue
            if name != "pyproject.toml" or "losslint" in _read_toml(candidate).get("tool", {}):
                return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read {path}: not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot parse {path}: {exc}") from None


def table_of(path: Path) -> dict[str, Any]:
    """The losslint table of a configuration file ({} when a pyproject.toml has none)."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("losslint", {})
        if not isinstance(table, dict):
            raise ConfigError(f"[tool.losslint] in {path} must be a table")
        return table
    return data


def validate(table: dict[str, Any], where: str) -> dict[str, Any]:
    checked = {}
    for key, value in table.items():
        check = OPTIONS.get(key)
        if check is None:
            raise ConfigError(f"unknown configuration key `{key}` in {where}")
        try:
            checked[key] = check(value, key)
        except ConfigError as exc:
            raise ConfigError(f"{exc} in {where}") from None
    return checked


@dataclass
class Overrides:
    """What the command line adds on top of the file."""

    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)
    include: list[str] | None = None
    extend_include: list[str] = field(default_factory=list)
    force_exclude: bool | None = None
    respect_gitignore: bool | None = None
    inline: list[dict[str, Any]] = field(default_factory=list)  # `--config 'key = value'`


def load(
    start: Path | None = None,
    config: Path | None = None,
    isolated: bool = False,
    overrides: Overrides | None = None,
) -> Settings:
    """Settings for a run: defaults, then the file (found from `start`, or `config`),
    then the command line. Raises ConfigError."""
    overrides = overrides or Overrides()
    path = None
    if config is not None:
        if not config.is_file():
            raise ConfigError(f"configuration file not found: {config}")
        path = config.resolve()
    elif not isolated:
        path = find_config((start or Path.cwd()).resolve())
    table = validate(table_of(path), str(path)) if path is not None else {}
    for inline in overrides.inline:
        table.update(validate(inline, "--config"))
    root = path.parent if path is not None else Path.cwd().resolve()
    settings = Settings(root=root, config_path=path)

    file_layer = Selection(table.get("select"), table.get("extend-select", []), table.get("ignore", []), f"in {path or '--config'}")
    cli_layer = Selection(overrides.select, overrides.extend_select, overrides.ignore, "on the command line")
    settings.enabled = cli_layer.apply(file_layer.apply(settings.enabled))

    ignores = {**table.get("per-file-ignores", {}), **table.get("extend-per-file-ignores", {})}
    for glob, selectors in ignores.items():
        codes = frozenset().union(*(resolve_selector(s, f"in per-file-ignores of {path or '--config'}") for s in selectors))
        settings.per_file_ignores.append((Pattern(glob, root), codes))

    if "exclude" in table:
        settings.exclude = tuple(table["exclude"])
    settings.extend_exclude = tuple(table.get("extend-exclude", ()))
    if overrides.exclude is not None:
        settings.exclude = tuple(overrides.exclude)
    settings.extend_exclude += tuple(overrides.extend_exclude)
    settings.include = tuple(table.get("include", DEFAULT_INCLUDE) if overrides.include is None else overrides.include)
    settings.extend_include = tuple(table.get("extend-include", ())) + tuple(overrides.extend_include)
    settings.respect_gitignore = table.get("respect-gitignore", True)
    settings.force_exclude = table.get("force-exclude", False)
    if overrides.respect_gitignore is not None:
        settings.respect_gitignore = overrides.respect_gitignore
    if overrides.force_exclude is not None:
        settings.force_exclude = overrides.force_exclude
    settings.extra = {k: v for k, v in table.items() if k not in _OWN_KEYS}
    return settings


_OWN_KEYS = frozenset(
    {"select", "extend-select", "ignore", "per-file-ignores", "extend-per-file-ignores",
     "exclude", "extend-exclude", "include", "extend-include", "respect-gitignore", "force-exclude"}
)


def parse_inline(text: str) -> dict[str, Any]:
    """`--config 'select = ["LL1"]'`: one TOML line, like ruff's --config KEY=VALUE."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--config {text!r} is neither a file nor a TOML `key = value`: {exc}") from None


def describe(settings: Settings) -> str:
    """`--show-settings`: the resolved settings, one per line."""
    lines = [
        f"config file: {settings.config_path or '(none)'}",
        f"project root: {settings.root}",
        f"enabled rules: {', '.join(sorted(settings.enabled)) or '(none)'}",
        "per-file-ignores:",
        *(f"  {p.text} = {', '.join(sorted(codes))}" for p, codes in settings.per_file_ignores),
        f"exclude: {', '.join(settings.exclude)}",
        f"extend-exclude: {', '.join(settings.extend_exclude)}",
        f"include: {', '.join(settings.include)}",
        f"extend-include: {', '.join(settings.extend_include)}",
        f"respect-gitignore: {str(settings.respect_gitignore).lower()}",
        f"force-exclude: {str(settings.force_exclude).lower()}",
    ]
    lines += [f"{key}: {value!r}" for key, value in sorted(settings.extra.items())]
    return "\n".join(lines) + "\n"
