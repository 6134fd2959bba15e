"""Docs that cannot drift (issue 14, defect 7): every fenced block in README.md and docs/
whose first line is `$ losslint ...` and that shows output is the output of that command,
run here from the checkout's root. A block whose output depends on the machine (timings)
is preceded by `<!-- output not checked: why -->`. Commands that need torch are skipped
without it.

    python -m tests.test_doc_examples --update     # rewrite the outputs from real runs
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(```[a-z]*)\n(\$ losslint [^\n]*)\n(.*?)^```$", re.M | re.S)
UNCHECKED = "<!-- output not checked"


@dataclass
class Example:
    page: Path
    command: str
    output: str
    start: int  # of the output in the page's text
    end: int


def examples() -> list[Example]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in FENCE.finditer(text):
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            if not match.group(3).strip() or before.startswith(UNCHECKED):
                continue
            found.append(Example(page, match.group(2)[2:], match.group(3), match.start(3), match.end(3)))
    return found


def run(command: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "LOSSLINT_OUTPUT_FORMAT", "GITHUB_WORKSPACE")}
    env.update(NO_COLOR="1", PYTHONPATH=str(ROOT), COLUMNS="100")
    words = shlex.split(command)
    result = subprocess.run([sys.executable, "-m", "losslint", *words[1:]], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    return "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n"


def _needs_torch(command: str) -> bool:
    return " trace" in command or "--trace" in command


@pytest.mark.parametrize("example", examples(), ids=lambda e: f"{e.page.name}: {e.command}")
def test_example_output_is_what_the_command_prints(example):
    if _needs_torch(example.command) and importlib.util.find_spec("torch") is None:
        pytest.skip("needs torch")
    assert run(example.command) == example.output, f"run: python -m tests.test_doc_examples --update ({example.page.name})"


def test_the_readme_opens_with_a_checked_example():
    assert any(e.page.name == "README.md" and e.command.startswith("losslint examples/") for e in examples())


def update() -> None:
    for page in PAGES:
        text = page.read_text()
        for example in sorted((e for e in examples() if e.page == page), key=lambda e: -e.start):
            text = text[: example.start] + run(example.command) + text[example.end :]
        page.write_text(text)


if __name__ == "__main__" and "--update" in sys.argv:
    update()
