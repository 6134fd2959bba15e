"""Named files are judged in their project's context (issue 14, defect 1): given one
side of a two-file pair, losslint still reports the pair; given an unrelated file, it
reports nothing of the others."""

from __future__ import annotations

import json

from tests.cli.helpers import CE_CALL_ROW, SOFTMAX_ROW, git_init, out, project, run, write

EXAMPLE = "examples/ll103_softmax_cross_entropy"


def _records(cli, args, cwd):
    code, stdout, stderr = cli([*args, "--output-format", "json", "--no-cache"], cwd)
    return code, json.loads(stdout), stderr


def test_each_side_of_a_pair_alone_reports_it(cli, tmp_path):
    project(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "digits"\n')
    for given in ("models.py", "train.py"):
        code, records, _ = _records(cli, [given], tmp_path)
        assert code == 1, given
        assert [r["code"] for r in records] == ["LL103", "LL203"], given  # LL203: sigmoid + BCELoss
        assert records[0]["location"]["row"] == SOFTMAX_ROW
        assert records[0]["related"][0]["location"]["row"] == CE_CALL_ROW


def test_only_pairs_with_a_site_in_the_named_files(cli, tmp_path):
    project(tmp_path)
    git_init(tmp_path)  # .git marks the project root too
    write(tmp_path, {"data.py": "import torch\n\n\ndef batches(n):\n    return [torch.randn(4) for _ in range(n)]\n",
                     "broken.py": "def (:\n"})
    code, records, _ = _records(cli, ["data.py"], tmp_path)
    assert (code, records) == (0, [])  # neither the pair nor broken.py's invalid-syntax


def test_without_a_project_marker_the_file_stands_alone(cli, tmp_path):
    project(tmp_path)
    code, records, _ = _records(cli, ["train.py"], tmp_path)
    assert (code, records) == (0, [])


def test_fix_of_a_named_file_edits_its_partner(cli, tmp_path):
    project(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    code, _, _ = cli(["train.py", "--fix", "--quiet", "--no-cache"], tmp_path)
    assert code == 0
    assert "nn.Softmax" not in (tmp_path / "models.py").read_text()


def test_the_repository_example_from_its_directory():
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / EXAMPLE
    for given in ("model.py", "train.py"):
        result = run([given, "--no-cache", "--output-format", "concise"], example)
        assert result.returncode == 1, out(result)
        assert "model.py:17:28: LL103 " in out(result)
