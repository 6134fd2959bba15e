"""flake8 plugin `LL`: losslint's findings in flake8's output.

Registered as the `flake8.extension` entry point `LL` (pyproject.toml). flake8 hands
the plugin one file at a time, so only mistakes whose two sites are in that file are
found; run `losslint` itself to link a model in one file to a loss in another.
flake8 handles `# noqa` and `--select/--ignore` itself (losslint's own noqa
comments, `# losslint: noqa` included, are honoured too).
"""

from __future__ import annotations

from typing import Iterator

from losslint.core.version import __version__


class Plugin:
    name = "losslint"
    version = __version__

    def __init__(self, tree, filename: str, lines: list[str]) -> None:
        # `tree` is unused (losslint parses with libcst) but asking for it makes flake8
        # run the plugin once per file, after the file has parsed.
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        from losslint.engine import linter  # lazy: `flake8 --version` stays fast

        for finding in linter.check_sources({self.filename: "".join(self.lines)}):
            if finding.code is None:  # syntax errors: flake8 reports E999 itself
                continue
            if finding.code.startswith("LL9"):
                # Meta rules (LL901 unused-noqa) need the whole project: seen alone, a file's
                # noqa comment for LL103 on a loss in another file would look unused.
                continue
            # flake8 wants a 0-based column and prints it + 1; losslint's are 1-based.
            yield finding.site.start.row, finding.site.start.column - 1, f"{finding.code} {finding.message}", type(self)
