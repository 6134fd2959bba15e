"""The library API: lint from Python and get the JSON records of `--output-format json`.

    >>> import losslint
    >>> records = losslint.check_source(code, filename="train.py")
    >>> [(r["code"], r["location"]["row"]) for r in records]

Exported lazily from `losslint/__init__.py`, so `import losslint` does not load libcst.
Configuration is found as the command line finds it (`[tool.losslint]` in the nearest
pyproject.toml, walking up from the first path), unless `isolated=True`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Union

StrPath = Union[str, "os.PathLike[str]"]


def check_paths(paths: StrPath | Iterable[StrPath], *, isolated: bool = False) -> list[dict[str, Any]]:
    """Lint files and directories (one project) like `losslint check PATHS`.

    Returns one dict per finding, sorted by path, line, column and code: exactly the
    objects `losslint check --output-format json` prints (see docs/api.md). Raises
    FileNotFoundError for a path that does not exist and losslint.engine.config.ConfigError
    (a ValueError-like one-line message) for a bad configuration.
    """
    from losslint.core import notebook
    from losslint.engine import linter
    from losslint.engine.discovery import PathNotFound

    names = [os.fspath(paths)] if isinstance(paths, (str, os.PathLike)) else [os.fspath(p) for p in paths]
    settings = _settings(names[0] if names else ".", isolated)
    try:
        result = linter.check_paths(names or ["."], settings)
    except PathNotFound as exc:
        raise FileNotFoundError(f"path does not exist: {exc}") from None
    return [f.to_json() for f in notebook.locate(result.findings, result.notebooks)]


def check_source(source: str, filename: str = "<stdin>", *, isolated: bool = False) -> list[dict[str, Any]]:
    """Lint one in-memory source, like `losslint check - --stdin-filename FILENAME`.

    `filename` is what the records' `filename` says and where the configuration is
    looked for. A `filename` ending in `.ipynb` means `source` is the notebook's JSON;
    `.md`/`.rst` a document whose Python blocks are linted (at the document's rows).
    """
    from losslint.core import notebook
    from losslint.engine import linter

    settings = _settings(filename, isolated)
    if notebook.is_notebook(filename):
        result = linter.check_notebook_text(filename, source, settings)
    else:  # Markdown, rST, a Python file with doctests: their blocks; None for plain Python
        result = linter.check_document_text(filename, source, settings)
    if result is not None:
        findings = notebook.locate(result.findings, result.notebooks)
    else:
        findings = linter.check_sources({filename: source}, settings)
    return [f.to_json() for f in findings]


def _settings(first: str, isolated: bool):
    from losslint.engine import config

    start = Path(first).absolute()
    while not start.is_dir() and start != start.parent:
        start = start.parent
    return config.load(start, isolated=isolated)
