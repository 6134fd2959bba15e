"""Start-up (issue 14, defect 6): `losslint --version` and a check with nothing to parse
import neither libcst nor the analysis. Checked on sys.modules in a fresh process, not
timed (benchmarks/startup.py times it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
from losslint.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in sys.modules if m == "libcst" or m.startswith(("libcst.", "losslint.fixes", "losslint.analysis.extract")))
commands = sorted(m.rsplit(".", 1)[1] for m in sys.modules if m in {"losslint.cli.check", "losslint.cli.rule", "losslint.cli.server", "losslint.cli.trace"})
print(json.dumps({"code": code, "heavy": heavy, "analysis": "losslint.analysis" in sys.modules, "commands": commands}))
"""


def _modules(args: list[str], cwd: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(CHECKOUT)}
    result = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_version_imports_no_analysis(tmp_path):
    found = _modules(["--version"], tmp_path)
    assert found == {"code": 0, "heavy": [], "analysis": False, "commands": []}


def test_check_without_candidate_files_imports_no_libcst(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing to lint\n")
    found = _modules(["check", ".", "--no-cache"], tmp_path)
    assert (found["code"], found["heavy"]) == (0, [])


def test_check_without_candidate_files_imports_no_analysis(tmp_path):
    """collect, factcache and prefilter need the analysis package only once a file is parsed."""
    (tmp_path / "data.csv").write_text("a,b\n")
    found = _modules(["check", "--no-cache"], tmp_path)
    # check's --trace options are declared in cli/trace.py (which imports no torch); rule, server: not imported
    assert (found["code"], found["analysis"], found["commands"]) == (0, False, ["check", "trace"])


def test_help_lists_the_subcommands_without_importing_them(tmp_path):
    found = _modules(["--help"], tmp_path)
    assert found == {"code": 0, "heavy": [], "analysis": False, "commands": []}


def test_options_before_the_subcommand(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    result = subprocess.run([sys.executable, "-m", "losslint", "--no-cache", "check", "."], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(CHECKOUT)}, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (0, "")
