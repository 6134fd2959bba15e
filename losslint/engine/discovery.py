"""Which files to lint, from the paths given on the command line.

Like ruff: directories are walked, skipping the default excludes and `exclude` /
`extend-exclude` patterns, and, inside a git work tree, what `.gitignore` files
(nested ones too) and `.git/info/exclude` ignore. Files named on the command line are
always linted, whatever their name, unless `force-exclude` is set (pre-commit passes
every staged file). Symlinked directories are followed; a loop or a dangling link is a
warning, an unreadable directory an `io-error` finding; neither stops the run.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from losslint.core.atomic import SUFFIX
from losslint.engine.config import DEFAULT_EXCLUDES as _DEFAULTS
from losslint.engine.config import Settings

DEFAULT_EXCLUDES = frozenset(_DEFAULTS)  # kept for callers of the old module

# File suffixes found by walking a directory by default (Settings.include decides; named
# files are linted whatever their suffix).
EXTENSIONS: tuple[str, ...] = (".py", ".pyi", ".ipynb", ".md", ".rst")
# Configuration files found on the same walk: not linted, but read for the models and
# criteria they select by name (Hydra's `_target_`, analysis/configs.py).
CONFIG_EXTENSIONS: tuple[str, ...] = (".yaml", ".yml")

STDIN = "-"


class PathNotFound(Exception):
    pass


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # for stderr
    unreadable: list[tuple[Path, str]] = field(default_factory=list)  # (directory, reason)
    configs: list[Path] = field(default_factory=list)  # YAML files under the directories walked
    temporaries: list[Path] = field(default_factory=list)  # losslint's own, maybe left by a killed run


def discover(paths: list[str], settings: Settings | None = None) -> list[Path]:
    """Python files under `paths`, sorted, each once. Named files are always included."""
    return find_files(paths, settings).files


def find_files(paths: list[str], settings: Settings | None = None) -> Discovery:
    settings = settings or Settings.default()
    result = Discovery()
    found: dict[Path, None] = {}
    gitignore = GitIgnore() if settings.respect_gitignore else None
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            if path.is_symlink():
                raise PathNotFound(f"{raw} (a dangling or looping symlink)")
            raise PathNotFound(raw)
        absolute = Path(os.path.abspath(path))
        if settings.force_exclude and settings.is_excluded(absolute):
            continue
        if not path.is_dir():
            found[path.resolve()] = None
            continue
        walker = _Walker(settings, gitignore, result, found)
        walker.walk(absolute, frozenset({_identity(absolute)}))
    result.files = sorted(found)
    return result


def _identity(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return (st.st_dev, st.st_ino)


class _Walker:
    def __init__(self, settings: Settings, gitignore: "GitIgnore | None", result: Discovery, found: dict) -> None:
        self.settings = settings
        self.gitignore = gitignore
        self.result = result
        self.found = found
        self.patterns = settings.exclude_patterns()
        self.include = settings.include_patterns()

    def excluded(self, path: Path, is_dir: bool) -> bool:
        # Only the entry itself: its directories were checked on the way down.
        posix = path.as_posix()
        if any(p.matches_entry(path.name, posix) for p in self.patterns):
            return True
        return self.gitignore is not None and self.gitignore.ignored(path, is_dir)

    def walk(self, directory: Path, ancestors: frozenset[tuple[int, int]]) -> None:
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self.result.unreadable.append((directory, exc.strerror or str(exc)))
            return
        for entry in entries:
            path = directory / entry.name
            try:
                is_dir = entry.is_dir()  # follows symlinks
                is_file = not is_dir and entry.is_file()
            except OSError as exc:
                self.result.warnings.append(f"{path}: {exc.strerror or exc}")
                continue
            if not is_dir and not is_file:
                if entry.is_symlink() and not path.exists():
                    self.result.warnings.append(f"{path}: dangling or looping symlink, skipped")
                continue
            if self.excluded(path, is_dir):
                continue
            if is_file:
                if any(p.matches_entry(entry.name, path.as_posix()) for p in self.include):
                    self.found[path.resolve()] = None
                elif entry.name.endswith(CONFIG_EXTENSIONS):
                    self.result.configs.append(path.resolve())
                elif entry.name.endswith(SUFFIX):
                    self.result.temporaries.append(path)
                continue
            try:
                identity = _identity(path)
            except OSError as exc:
                self.result.warnings.append(f"{path}: {exc.strerror or exc}")
                continue
            if identity in ancestors:
                self.result.warnings.append(f"{path}: symlink loop, not followed")
                continue
            self.walk(path, ancestors | {identity})


class GitIgnore:
    """`.gitignore` files (and `.git/info/exclude`) of the git work trees walked.

    Only inside a git work tree, like ruff's respect-gitignore (and git itself). The
    deepest `.gitignore` with a matching pattern decides; within a file the last
    matching pattern does (pathspec's GitIgnoreSpec implements git's rules).
    """

    def __init__(self) -> None:
        self._repos: dict[Path, Path | None] = {}
        self._chains: dict[Path, list[tuple[str, pathspec.GitIgnoreSpec]]] = {}
        self._directories: dict[Path, bool] = {}

    def repo_root(self, directory: Path) -> Path | None:
        if directory not in self._repos:
            if (directory / ".git").exists():
                self._repos[directory] = directory
            elif directory.parent == directory:
                self._repos[directory] = None
            else:
                self._repos[directory] = self.repo_root(directory.parent)
        return self._repos[directory]

    def _chain(self, directory: Path) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
        """(base directory as `/…/`, spec) that apply in a directory, deepest first."""
        if directory not in self._chains:
            root = self.repo_root(directory)
            if root is None:
                chain = []
            else:
                base = directory.as_posix().rstrip("/") + "/"
                chain = [(base, spec) for spec in [_read_spec(directory / ".gitignore")] if spec]
                if directory == root:
                    chain += [(base, spec) for spec in [_read_spec(root / ".git" / "info" / "exclude")] if spec]
                else:
                    chain += self._chain(directory.parent)
            self._chains[directory] = chain
        return self._chains[directory]

    def ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether git ignores this entry. A pattern that ignores its directory does not
        count: the walk prunes ignored directories, so reaching one means it (or one
        above it) was named on the command line, which always wins."""
        return self._ignored(path, is_dir) and not self._directory_ignored(path.parent)

    def _directory_ignored(self, directory: Path) -> bool:
        if directory not in self._directories:
            self._directories[directory] = directory.parent != directory and self._ignored(directory, True)
        return self._directories[directory]

    def _ignored(self, path: Path, is_dir: bool) -> bool:
        posix = path.as_posix()
        for base, spec in self._chain(path.parent):
            verdict = spec.check_file(posix[len(base) :] + ("/" if is_dir else "")).include
            if verdict is not None:
                return verdict
        return False


def _read_spec(file: Path) -> pathspec.GitIgnoreSpec | None:
    try:
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def read_stdin() -> str:
    """The source on standard input, decoded like a Python file (UTF-8, BOM allowed)."""
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
    return data.decode("utf-8-sig")
