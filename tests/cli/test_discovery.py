"""File discovery: default excludes, .gitignore in a real git repository, files named on
the command line, --force-exclude, symlink loops and unreadable files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from losslint.engine import discovery
from tests.cli.helpers import SINGLE, git_init, out, project, run, write

CLEAN = "x = 1\n"


def listed(cli, root: Path, args=()) -> list[str]:
    code, stdout, stderr = cli(["--show-files", *args], root)
    assert code == 0, stderr
    return [Path(line).relative_to(root.resolve()).as_posix() for line in stdout.splitlines()]


def test_default_excludes_like_ruff(tmp_path, cli):
    names = ["src/app.py", "src/stubs.pyi", "nb/explore.ipynb", "README.md", "setup.cfg"]
    skipped = [".venv/lib/x.py", "venv/y.py", "build/lib/z.py", "dist/w.py", "node_modules/n.py",
               "src/__pycache__/c.py", ".git/hooks/h.py", ".tox/py311/t.py", "env/site-packages/s.py"]
    write(tmp_path, {name: CLEAN for name in names + skipped})
    # Markdown is read for its Python blocks (losslint/documents/); setup.cfg is not read.
    assert listed(cli, tmp_path) == ["README.md", "nb/explore.ipynb", "src/app.py", "src/stubs.pyi"]


def test_exclude_replaces_the_defaults_and_extend_exclude_adds(tmp_path, cli):
    write(tmp_path, {"build/gen.py": CLEAN, "src/app.py": CLEAN, "src/migrations/0001.py": CLEAN})
    write(tmp_path, {"pyproject.toml": '[tool.losslint]\nexclude = ["migrations"]\n'})
    assert listed(cli, tmp_path) == ["build/gen.py", "src/app.py"]
    write(tmp_path, {"pyproject.toml": '[tool.losslint]\nextend-exclude = ["src/migrations/*.py"]\n'})
    assert listed(cli, tmp_path) == ["src/app.py"]
    assert listed(cli, tmp_path, ["--isolated", "--extend-exclude", "app.py"]) == ["src/migrations/0001.py"]


def test_gitignore_in_a_git_repository(tmp_path, cli):
    git_init(tmp_path)
    write(
        tmp_path,
        {
            ".gitignore": "generated/\n*_pb2.py\n/top_only.py\n",
            "src/.gitignore": "scratch.py\n!keep_pb2.py\n",
            "src/app.py": CLEAN,
            "src/scratch.py": CLEAN,
            "src/model_pb2.py": CLEAN,
            "src/keep_pb2.py": CLEAN,
            "src/top_only.py": CLEAN,
            "top_only.py": CLEAN,
            "generated/api.py": CLEAN,
            "src/generated/more.py": CLEAN,
            "local/mine.py": CLEAN,
        },
    )
    (tmp_path / ".git" / "info").mkdir(exist_ok=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("local/\n")
    assert listed(cli, tmp_path) == ["src/app.py", "src/keep_pb2.py", "src/top_only.py"]
    # Walking a subdirectory still honours the .gitignore files above it.
    assert listed(cli, tmp_path / "src", ["."]) == ["app.py", "keep_pb2.py", "top_only.py"]
    everything = listed(cli, tmp_path, ["--no-respect-gitignore"])
    assert "generated/api.py" in everything and "local/mine.py" in everything and len(everything) == 9
    write(tmp_path, {"pyproject.toml": "[tool.losslint]\nrespect-gitignore = false\n"})
    assert len(listed(cli, tmp_path)) == 9


def test_gitignore_outside_a_git_repository_is_not_read(tmp_path, cli):
    write(tmp_path, {".gitignore": "*.py\n", "app.py": CLEAN})
    assert listed(cli, tmp_path) == ["app.py"]


def test_named_files_are_always_linted_unless_force_exclude(tmp_path, cli):
    git_init(tmp_path)
    write(tmp_path, {".gitignore": "generated/\n", "generated/model.py": SINGLE, "build/train.py": SINGLE, "tools/run-training": SINGLE})
    code, stdout, _ = cli(["--output-format", "json", "generated/model.py", "build/train.py", "tools/run-training"], tmp_path)
    assert code == 1
    assert sorted(Path(f["filename"]).name for f in json.loads(stdout)) == ["model.py", "run-training", "train.py"]
    # A named directory is walked even if it is excluded.
    assert listed(cli, tmp_path, ["build"]) == ["build/train.py"]
    # --force-exclude (pre-commit passes every staged file): exclude patterns apply.
    assert listed(cli, tmp_path, ["--force-exclude", "build/train.py", "tools/run-training"]) == ["tools/run-training"]
    write(tmp_path, {"pyproject.toml": '[tool.losslint]\nforce-exclude = true\nextend-exclude = ["tools"]\n'})
    assert cli(["build/train.py", "tools/run-training"], tmp_path)[:2] == (0, "All checks passed!\n")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loop_is_a_warning_and_files_are_linted_once(tmp_path, cli):
    project(tmp_path / "pkg")
    (tmp_path / "pkg" / "again").symlink_to(tmp_path / "pkg", target_is_directory=True)
    (tmp_path / "pkg" / "alias.py").symlink_to(tmp_path / "pkg" / "models.py")
    (tmp_path / "pkg" / "gone.py").symlink_to(tmp_path / "pkg" / "nowhere.py")
    code, stdout, stderr = cli(["--output-format", "json", "."], tmp_path)
    assert code == 1
    assert [f["code"] for f in json.loads(stdout)] == ["LL103", "LL203"]
    assert f"losslint: warning: {tmp_path / 'pkg' / 'again'}: symlink loop, not followed" in stderr
    assert f"{tmp_path / 'pkg' / 'gone.py'}: dangling or looping symlink, skipped" in stderr
    code, stdout, stderr = cli(["-q", "."], tmp_path)
    assert stderr == ""  # --quiet drops warnings
    code, _, stderr = cli(["pkg/gone.py"], tmp_path)
    assert code == 2 and "pkg/gone.py" in stderr


def test_unreadable_files_are_findings_not_crashes(tmp_path, cli):
    project(tmp_path)
    (tmp_path / "latin1.py").write_bytes(b"# caf\xe9\nx = 1\n")
    code, stdout, _ = cli(["--output-format", "json"], tmp_path)
    records = json.loads(stdout)
    assert code == 1
    assert [(Path(r["filename"]).name, r["code"] or r["name"]) for r in records] == [
        ("latin1.py", "io-error"), ("models.py", "LL103"), ("models.py", "LL203"),
    ]


def test_unreadable_directory_is_an_io_error_finding(tmp_path, cli, monkeypatch):
    project(tmp_path)
    write(tmp_path, {"private/secret.py": SINGLE})
    private = tmp_path / "private"
    if os.geteuid() != 0:
        private.chmod(0)
    else:  # root reads everything: make the directory fail the way EACCES does
        real = os.scandir

        def scandir(path):
            if Path(path) == private:
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr(discovery.os, "scandir", scandir)
    try:
        code, stdout, _ = cli(["--output-format", "json"], tmp_path)
    finally:
        private.chmod(0o755)
    records = json.loads(stdout)
    assert code == 1
    io = [r for r in records if r["name"] == "io-error"]
    assert len(io) == 1 and io[0]["filename"].endswith("private") and "Permission denied" in io[0]["message"]
    assert {r["code"] for r in records if r["code"]} == {"LL103", "LL203"}


def test_missing_path_is_a_usage_error(tmp_path):
    result = run(["nope/"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.decode() == "losslint: error: path does not exist: nope/\n"
    assert out(result) == ""


def test_discover_keeps_its_old_signature(tmp_path):
    project(tmp_path)
    write(tmp_path, {"build/x.py": CLEAN})
    assert [p.name for p in discovery.discover([str(tmp_path)])] == ["models.py", "train.py"]
