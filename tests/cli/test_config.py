"""[tool.losslint] in pyproject.toml / losslint.toml, --config, --isolated, --select and
friends, --show-settings: real configuration files in temporary projects."""

from __future__ import annotations

import json

import pytest

from losslint.engine import config
from tests.cli.helpers import SINGLE, project, write


def codes(cli, root, args=()) -> list[str]:
    code, stdout, stderr = cli(["--output-format", "json", *args], root)
    assert code in (0, 1), stderr
    return [f["code"] or f["name"] for f in json.loads(stdout)]


def pyproject(root, body: str) -> None:
    write(root, {"pyproject.toml": "[project]\nname = 'demo'\n\n[tool.losslint]\n" + body})


def test_defaults_report_everything(tmp_path, cli):
    project(tmp_path)
    assert codes(cli, tmp_path) == ["LL103", "LL203"]


def test_select_by_prefix_and_ignore_by_name(tmp_path, cli):
    project(tmp_path)
    pyproject(tmp_path, 'select = ["LL2"]\n')
    assert codes(cli, tmp_path) == ["LL203"]
    pyproject(tmp_path, 'ignore = ["sigmoid-before-bce-loss"]\n')
    assert codes(cli, tmp_path) == ["LL103"]


def test_more_specific_selector_wins(tmp_path, cli):
    project(tmp_path)
    pyproject(tmp_path, 'select = ["LL1"]\nignore = ["LL"]\n')  # LL1 is more specific than LL
    assert codes(cli, tmp_path) == ["LL103"]
    pyproject(tmp_path, 'ignore = ["LL1"]\nextend-select = ["softmax-before-cross-entropy"]\n')
    assert codes(cli, tmp_path) == ["LL103", "LL203"]
    pyproject(tmp_path, 'select = ["LL103"]\nignore = ["LL103"]\n')  # a tie: ignore wins
    assert codes(cli, tmp_path) == []


def test_command_line_on_top_of_the_file(tmp_path, cli):
    project(tmp_path)
    pyproject(tmp_path, 'select = ["LL2"]\n')
    assert codes(cli, tmp_path, ["--select", "LL1"]) == ["LL103"]  # replaces the file's select
    assert codes(cli, tmp_path, ["--extend-select", "LL103"]) == ["LL103", "LL203"]
    assert codes(cli, tmp_path, ["--select", "LL103,LL203", "--ignore", "LL203"]) == ["LL103"]
    assert codes(cli, tmp_path, ["--select", "LL103", "--select", "LL203"]) == ["LL103", "LL203"]


def test_per_file_ignores(tmp_path, cli):
    project(tmp_path)
    write(tmp_path, {"legacy/old.py": SINGLE, "scripts/run.py": SINGLE})
    pyproject(
        tmp_path,
        '[tool.losslint.per-file-ignores]\n"models.py" = ["LL103"]\n"legacy/*" = ["LL1"]\n"!scripts/*" = ["LL203"]\n',
    )
    code, stdout, _ = cli(["--output-format", "json"], tmp_path)
    found = sorted((f["filename"].rsplit("/", 2)[-2:][-1], f["code"]) for f in json.loads(stdout))
    # models.py: LL103 ignored by name, LL203 by the negated pattern; legacy: all LL1.
    assert found == [("run.py", "LL103")]


def test_per_file_ignores_apply_to_the_primary_site_file(tmp_path, cli):
    project(tmp_path)
    pyproject(tmp_path, '[tool.losslint.per-file-ignores]\n"train.py" = ["LL103"]\n')
    assert codes(cli, tmp_path) == ["LL103", "LL203"]  # the finding is in models.py


def test_invalid_syntax_is_never_deselected(tmp_path, cli):
    write(tmp_path, {"broken.py": "def f(:\n    pass\n"})
    pyproject(tmp_path, 'select = ["LL203"]\n[tool.losslint.per-file-ignores]\n"broken.py" = ["ALL"]\n')
    assert codes(cli, tmp_path) == ["invalid-syntax"]


def test_nearest_configuration_wins(tmp_path, cli):
    project(tmp_path / "app" / "sub")
    pyproject(tmp_path, 'select = ["LL2"]\n')
    # A pyproject.toml without [tool.losslint] is skipped on the way up.
    write(tmp_path / "app", {"pyproject.toml": "[project]\nname = 'app'\n"})
    assert codes(cli, tmp_path / "app" / "sub") == ["LL203"]
    # losslint.toml has no tool table; .losslint.toml beats it in the same directory.
    write(tmp_path / "app", {"losslint.toml": 'select = ["LL1"]\n'})
    assert codes(cli, tmp_path / "app" / "sub") == ["LL103"]
    write(tmp_path / "app", {".losslint.toml": 'ignore = ["ALL"]\n'})
    assert codes(cli, tmp_path / "app" / "sub") == []
    # The search starts from the first path, not only the current directory.
    assert codes(cli, tmp_path, ["app/sub"]) == []


def test_config_file_flag_isolated_and_inline(tmp_path, cli):
    project(tmp_path)
    pyproject(tmp_path, 'select = ["LL2"]\n')
    write(tmp_path, {"legacy/old.py": SINGLE, "ci/strict.toml": 'ignore = ["LL203"]\nextend-exclude = ["../legacy"]\n'})
    assert codes(cli, tmp_path, ["--config", "ci/strict.toml"]) == ["LL103"]
    assert codes(cli, tmp_path, ["--isolated"]) == ["LL103", "LL103", "LL203"]
    assert codes(cli, tmp_path, ["--config", "ignore = ['LL2']"]) == []
    assert codes(cli, tmp_path, ["--isolated", "--config", "select = ['LL1']"]) == ["LL103", "LL103"]


def test_exclude_patterns_relative_to_the_config_file(tmp_path, cli):
    project(tmp_path / "src")
    write(tmp_path, {"src/generated/g.py": SINGLE, "notebooks_export/n.py": SINGLE})
    pyproject(tmp_path, 'extend-exclude = ["src/generated", "*_export"]\n')
    code, stdout, _ = cli(["--show-files"], tmp_path)
    assert code == 0
    assert stdout.splitlines() == [str((tmp_path / p).resolve()) for p in ("src/models.py", "src/train.py")]
    # From a subdirectory, the patterns still mean the same files.
    code, stdout, _ = cli(["--show-files", "."], tmp_path / "src")
    assert "generated" not in stdout and "models.py" in stdout


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('selekt = ["LL1"]\n', ["unknown configuration key `selekt`", "pyproject.toml"]),
        ('select = ["LL999"]\n', ["unknown rule selector `LL999`", "pyproject.toml"]),
        ('select = ["LL8"]\n', ["unknown rule selector `LL8`"]),  # no LL8xx rules (LL3xx-LL6xx exist)
        ('ignore = ["softmax-before-mse"]\n', ["unknown rule selector `softmax-before-mse`"]),
        ('select = "LL103"\n', ["`select` must be a list of strings"]),
        ('respect-gitignore = "yes"\n', ["`respect-gitignore` must be true or false"]),
        ('[tool.losslint.per-file-ignores]\n"a.py" = ["LL9999"]\n', ["unknown rule selector `LL9999`"]),
        ('select = [LL103]\n', ["cannot parse", "pyproject.toml"]),
    ],
)
def test_configuration_errors_are_one_line_exit_2(tmp_path, cli, body, words):
    project(tmp_path)
    pyproject(tmp_path, body)
    code, stdout, stderr = cli([], tmp_path)
    assert (code, stdout) == (2, "")
    assert stderr.count("\n") == 1 and stderr.startswith("losslint: error: ")
    assert "Traceback" not in stderr
    for word in words:
        assert word in stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--select", "LL999"],
        ["--ignore", "LL8"],
        ["--extend-select", "nonsense"],
        ["--config", "missing.toml"],
        ["--config", "select = [oops"],
        ["--isolated", "--config", "pyproject.toml"],
    ],
)
def test_command_line_errors_are_one_line_exit_2(tmp_path, cli, args):
    project(tmp_path)
    pyproject(tmp_path, "")
    code, stdout, stderr = cli(args, tmp_path)
    assert (code, stdout) == (2, "")
    assert stderr.count("\n") == 1 and stderr.startswith("losslint: error: ")


def test_show_settings(tmp_path, cli):
    pyproject(tmp_path, 'select = ["LL1"]\nignore = ["LL105"]\nextend-exclude = ["migrations"]\n[tool.losslint.per-file-ignores]\n"tests/*" = ["LL103"]\n')
    code, stdout, _ = cli(["--show-settings"], tmp_path)
    assert code == 0
    assert f"config file: {(tmp_path / 'pyproject.toml').resolve()}" in stdout
    assert "enabled rules: LL101, LL102, LL103, LL104\n" in stdout
    assert "  tests/* = LL103\n" in stdout
    assert "extend-exclude: migrations\n" in stdout
    code, stdout, _ = cli(["--show-settings", "--isolated"], tmp_path)
    assert "config file: (none)" in stdout and "LL901" in stdout


def test_other_features_can_register_keys(monkeypatch, tmp_path):
    """Keys added to config.OPTIONS are accepted and land in Settings.extra."""
    monkeypatch.setitem(config.OPTIONS, "unsafe-fixes", config._bool)
    write(tmp_path, {"losslint.toml": "unsafe-fixes = true\n"})
    settings = config.load(tmp_path)
    assert settings.extra == {"unsafe-fixes": True}
