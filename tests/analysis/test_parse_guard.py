"""Any input, bounded (issue 14, defect 3): what would crash libcst's native parser (a
segfault that ended the whole run, exit 139) becomes one invalid-syntax finding for that
file; the other files are still checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from losslint.analysis import parsing

CHECKOUT = Path(__file__).resolve().parents[2]
WRONG = "import torch.nn.functional as F\n\n\ndef step(x, t):\n    return F.cross_entropy(F.softmax(x, dim=1), t)\n"
HEAD = "import torch.nn.functional as F\n"
TAIL = "y = F.cross_entropy(F.softmax(x, dim=1), t)\n"

SHAPES = {
    "parentheses": "x = " + "(" * 2000 + "1" + ")" * 2000 + "\n",
    "sum": "x = " + " + ".join(["1"] * 10000) + "\n",
    "and": "x = " + " and ".join(["a"] * 30000) + "\n",
    "attributes": "x = a" + ".b" * 10000 + "\n",
    "subscripts": "x = a" + "[0]" * 3000 + "\n",
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_file_the_parser_cannot_take_is_one_finding(tmp_path, shape):
    (tmp_path / "deep.py").write_text(HEAD + SHAPES[shape] + TAIL)  # a root: the prefilter parses it
    (tmp_path / "train.py").write_text(WRONG)
    result = subprocess.run(
        [sys.executable, "-m", "losslint", ".", "--no-cache", "--output-format", "json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env={"PYTHONPATH": str(CHECKOUT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stderr[-2000:]
    records = json.loads(result.stdout)
    assert [(Path(r["filename"]).name, r["code"] or r["name"]) for r in records] == [
        ("deep.py", "invalid-syntax"),
        ("train.py", "LL103"),
    ]
    assert "nested" in records[0]["message"] or "operands" in records[0]["message"]


def test_guard_keeps_ordinary_code_and_newer_syntax():
    assert parsing.guard(WRONG) is not None
    assert parsing.guard("x = " + " + ".join(["1"] * 500) + "\n") is not None  # long, not deep
    assert parsing.guard("def f[T](x: T) -> T:\n    return x\n" if sys.version_info < (3, 12) else "x = (\n") is None
    with pytest.raises(parsing.Unparsable, match="too many nested parentheses"):
        parsing.guard("x = (((\n" + "(" * 1500)  # rejected by Python anyway: still no libcst


def test_long_lines_are_checked(tmp_path):
    source = "x = [" + ", ".join(["1"] * 200_000) + "]\n" + WRONG
    assert parsing.guard(source) is not None
