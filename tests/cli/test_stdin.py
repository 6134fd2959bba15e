"""Standard input: `losslint -` and `--stdin-filename` (editors and pipes)."""

from __future__ import annotations

import json

from tests.cli.helpers import SINGLE, err, out, run, write


def test_stdin_is_linted_as_the_named_file(tmp_path):
    (tmp_path / "pkg").mkdir()
    result = run(["--output-format", "concise", "--stdin-filename", "pkg/model.py", "-"], tmp_path, stdin=SINGLE.lstrip())
    assert result.returncode == 1
    assert out(result).startswith("pkg/model.py:3:")
    assert "LL103" in out(result)
    # No path at all with --stdin-filename reads stdin too (ruff does the same).
    again = run(["--output-format", "concise", "--stdin-filename", "pkg/model.py"], tmp_path, stdin=SINGLE.lstrip())
    assert out(again) == out(result)


def test_stdin_without_a_name(tmp_path):
    result = run(["--output-format", "json", "-"], tmp_path, stdin=SINGLE.lstrip())
    records = json.loads(out(result))
    assert result.returncode == 1
    assert [(r["filename"], r["code"]) for r in records] == [("-", "LL103")]


def test_stdin_full_output_shows_frames_from_stdin(tmp_path):
    result = run(["--stdin-filename", "never_written.py"], tmp_path, stdin=SINGLE.lstrip())
    assert result.returncode == 1
    assert "3 | model = nn.Sequential(nn.Linear(20, 3), nn.Softmax(dim=1))" in out(result)
    assert not (tmp_path / "never_written.py").exists()


def test_stdin_crlf_bom_and_noqa(tmp_path):
    source = "\ufeff" + SINGLE.lstrip().replace("nn.Softmax(dim=1))", "nn.Softmax(dim=1))  # noqa: LL103").replace("\n", "\r\n")
    result = run(["-"], tmp_path, stdin=source.encode("utf-8"))
    assert (result.returncode, out(result)) == (0, "All checks passed!\n")


def test_stdin_uses_the_configuration_of_the_named_path(tmp_path):
    write(tmp_path, {"proj/pyproject.toml": '[tool.losslint]\n[tool.losslint.per-file-ignores]\n"legacy/*" = ["LL103"]\n'})
    legacy = run(["--stdin-filename", "proj/legacy/old.py", "-"], tmp_path, stdin=SINGLE)
    fresh = run(["--stdin-filename", "proj/new.py", "-"], tmp_path, stdin=SINGLE)
    assert (legacy.returncode, fresh.returncode) == (0, 1)


def test_stdin_force_exclude(tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.losslint]\nextend-exclude = ["vendored"]\n'})
    result = run(["--force-exclude", "--stdin-filename", "vendored/lib.py", "-"], tmp_path, stdin=SINGLE)
    assert (result.returncode, out(result)) == (0, "All checks passed!\n")
    result = run(["--stdin-filename", "vendored/lib.py", "-"], tmp_path, stdin=SINGLE)
    assert result.returncode == 1


def test_stdin_usage_errors(tmp_path):
    write(tmp_path, {"a.py": "x = 1\n"})
    mixed = run(["-", "a.py"], tmp_path, stdin=SINGLE)
    assert mixed.returncode == 2 and err(mixed).count("\n") == 1
    add = run(["--add-noqa", "-"], tmp_path, stdin=SINGLE)
    assert add.returncode == 2 and "--add-noqa" in err(add)


def test_stdin_show_files(tmp_path):
    result = run(["--show-files", "--stdin-filename", "x.py"], tmp_path, stdin="")
    assert result.returncode == 0 and out(result) == f"{tmp_path / 'x.py'}\n"
