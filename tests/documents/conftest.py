"""`docs`: run losslint in this process from a temporary directory holding documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from losslint.cli import main


class Docs:
    def __init__(self, root: Path, capsys) -> None:
        self.root = root
        self.capsys = capsys

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def run(self, *args: str) -> tuple[int, str]:
        """(exit status, stdout) of `losslint ARGS`; stderr is kept in `self.err`."""
        status = main(list(args))
        captured = self.capsys.readouterr()
        self.err = captured.err
        return status, captured.out

    def records(self, *args: str) -> list[dict]:
        """The JSON records of `losslint check ARGS` (no cache)."""
        return json.loads(self.run("check", *args, "--output-format", "json", "--no-cache")[1])


@pytest.fixture
def docs(tmp_path, capsys, monkeypatch) -> Docs:
    monkeypatch.chdir(tmp_path)
    return Docs(tmp_path, capsys)
