"""The command line on click (issue 14, defect 7): the default command, options on either
side of the subcommand, ruff-like --help, one-line usage errors with exit 2, and click's
shell completion."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli.helpers import SOFTMAX_ROW, project, run

FORMATS = ["concise", "full", "github", "json", "json-lines", "sarif"]


def _codes(stdout: str) -> list[tuple[str, int]]:
    """(file name, row) of each JSON record."""
    return sorted((Path(r["filename"]).name, r["location"]["row"]) for r in json.loads(stdout))


@pytest.fixture
def tree(tmp_path):
    return project(tmp_path)


def test_a_path_alone_means_check(cli, tree):
    explicit = cli(["check", ".", "--output-format", "json", "--no-cache"], tree)
    default = cli([".", "--output-format", "json", "--no-cache"], tree)
    assert explicit == default
    assert explicit[0] == 1 and ("models.py", SOFTMAX_ROW) in _codes(explicit[1])


def test_no_argument_checks_the_current_directory(cli, tree):
    code, stdout, _ = cli([], tree, env={"LOSSLINT_OUTPUT_FORMAT": "json"})
    assert code == 1 and ("models.py", SOFTMAX_ROW) in _codes(stdout)


@pytest.mark.parametrize(
    "argv",
    [
        ["--output-format", "json", "--no-cache", "check", "."],
        ["--output-format", "json", "check", "--no-cache", "."],
        ["check", ".", "--no-cache", "--output-format", "json"],
        ["--no-cache", "--output-format", "json", "."],  # options, then the default command's path
        ["--select", "LL103", "--output-format=json", "check"],
    ],
)
def test_options_before_or_after_the_subcommand(cli, tree, argv):
    code, stdout, stderr = cli(argv, tree)
    assert (code, stderr) == (1, "")
    assert ("models.py", SOFTMAX_ROW) in _codes(stdout)


def test_a_directory_named_like_a_subcommand_stays_a_path_after_options(cli, tmp_path):
    project(tmp_path / "check")
    code, stdout, _ = cli(["--output-format", "json", "--no-cache", "check"], tmp_path)
    assert code == 1 and ("models.py", SOFTMAX_ROW) in _codes(stdout)


def test_group_help_reads_like_ruffs(cli, tmp_path):
    code, stdout, stderr = cli(["--help"], tmp_path)
    assert (code, stderr) == (0, "")
    lines = stdout.splitlines()
    assert lines[0] == "losslint: find final activations that do not fit the loss." and lines[1] == ""
    assert lines[2].startswith("Usage: losslint [OPTIONS] [COMMAND]")
    commands = lines[lines.index("Commands:") + 1 : lines.index("Options:") - 1]
    assert [line.split()[0] for line in commands if not line.startswith("      ")] == ["check", "rule", "server", "trace"]
    assert re.search(r"^  -V, --version +Print the version", stdout, re.MULTILINE)
    assert cli(["-h"], tmp_path)[1] == stdout


def test_check_help_groups_and_sorts_the_options(cli, tmp_path):
    code, stdout, _ = cli(["check", "--help"], tmp_path)
    assert code == 0
    assert stdout.splitlines()[0].startswith("Lint files and directories")
    assert "Usage: losslint check [OPTIONS] [PATHS]..." in stdout
    sections = re.findall(r"^(\w[\w ()]*):$", stdout, re.MULTILINE)
    assert sections[:4] == ["Arguments", "Options", "Output", "Configuration"]
    assert {"Speed", "Input and suppression", "Runtime tracer (needs torch)"} <= set(sections)
    output = stdout.split("\nOutput:\n")[1].split("\n\n")[0]
    names = re.findall(r"^  (?:-\w, )?--([\w-]+)", output, re.MULTILINE)
    assert names == sorted(names) and "output-format" in names
    words = " ".join(stdout.split())  # help text wraps at the terminal's width
    assert "--output-format <FORMAT>" in stdout and "[possible values: concise, full, github, json, json-lines, sarif]" in words
    assert re.search(r"^  --fix +Apply the safe fixes", stdout, re.MULTILINE)
    # `losslint --help` after options is check's help (options imply the default command)
    assert cli(["--no-cache", "--help"], tmp_path)[1] == stdout


@pytest.mark.parametrize(
    "argv, where",
    [
        (["--bogus"], "losslint check"),
        (["--bogus", "check", "."], "losslint check"),
        (["check", ".", "--bogus"], "losslint check"),
        (["rule", "--bogus"], "losslint rule"),
    ],
)
def test_an_unknown_option_is_one_line_and_exit_2(cli, tmp_path, argv, where):
    code, stdout, stderr = cli(argv, tmp_path)
    assert (code, stdout) == (2, "")
    assert stderr.startswith("losslint: error: No such option '--bogus'") and stderr.count("\n") == 1
    assert stderr.endswith(f"(see `{where} --help`)\n")


def test_a_bad_choice_is_exit_2_and_names_the_option(cli, tmp_path):
    code, _, stderr = cli(["check", "--output-format", "xml"], tmp_path)
    assert code == 2 and stderr.startswith("losslint: error: Invalid value for '--output-format': 'xml'")


def test_a_configuration_error_exits_2_not_clicks_1(cli, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.losslint]\nselect = 3\n")
    code, _, stderr = cli(["check", "."], tmp_path)
    assert code == 2 and stderr.startswith("losslint: error: ") and stderr.count("\n") == 1


def test_bash_completion_script(tmp_path):
    result = run([], tmp_path, env={"_LOSSLINT_COMPLETE": "bash_source"})
    script = result.stdout.decode()
    assert result.returncode == 0 and "_losslint_completion()" in script
    assert "complete -o nosort -F _losslint_completion losslint" in script


@pytest.mark.parametrize("shell, marker", [("zsh", "#compdef losslint"), ("fish", "complete --no-files --command losslint")])
def test_zsh_and_fish_completion_scripts(tmp_path, shell, marker):
    result = run([], tmp_path, env={"_LOSSLINT_COMPLETE": f"{shell}_source"})
    assert result.returncode == 0 and marker in result.stdout.decode()


def _complete(words: str, tmp_path) -> list[str]:
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    env = {"_LOSSLINT_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    return run([], tmp_path, env=env).stdout.decode().splitlines()


def test_completion_of_output_format_values(tmp_path):
    assert _complete("losslint check --output-format ", tmp_path) == [f"plain,{name}" for name in FORMATS]
    assert _complete("losslint --output-format json", tmp_path) == ["plain,json", "plain,json-lines"]


def test_completion_of_subcommands_and_options(tmp_path):
    assert _complete("losslint ", tmp_path) == ["plain,check", "plain,rule", "plain,server", "plain,trace"]
    assert _complete("losslint check --no-c", tmp_path) == ["plain,--no-cache"]
