"""Notebooks edited from the command line: `--add-noqa` writes comments into cells, and
`--fix`/`--diff` on a notebook read from standard input. Real .ipynb files written with
json, losslint run in a subprocess as a shell or an editor runs it."""

from __future__ import annotations

import json
import os

from tests.cli.helpers import err, out, run
from tests.test_notebook import PLOT_OUTPUT, code, markdown, write_notebook

# Cell 1 markdown; 2 imports and a magic; 3 the models (the softmax is the cell's last
# line, no newline after it); 4 training under %%time, with ruff's noqa on the sigmoid
# line, and outputs; 5 a string `source` (not a list of lines) that uses a helper of 3.
CELLS = [
    markdown("# Two heads"),
    code("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n%matplotlib inline"),
    code(
        "net = nn.Sequential(nn.Linear(4, 1))\n"
        "def step(logits, target):\n"
        "    return F.nll_loss(logits, target)\n"
        "head = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))"
    ),
    code(
        "%%time\n"
        "probs = torch.sigmoid(net(x))  # noqa: E501\n"
        "loss = nn.BCEWithLogitsLoss()(probs, y)\n"
        "loss2 = nn.CrossEntropyLoss()(head(x), t)\n",
        outputs=PLOT_OUTPUT,
    ),
    {**code(""), "id": "string-cell", "source": "step(nn.Linear(3, 2)(x), y)\n"},
]


def test_add_noqa_comments_land_in_their_cells(tmp_path):
    path = tmp_path / "train.ipynb"
    before = write_notebook(path, CELLS)
    os.chmod(path, 0o640)

    result = run(["--add-noqa", "train.ipynb"], tmp_path)
    assert (result.returncode, err(result)) == (0, "Added 3 noqa directives.\n")
    # Byte for byte: the three lines got their comment, nothing else moved (outputs,
    # ids, metadata, indentation, the string source, the final newline, the magics).
    expected = (
        before.replace('nn.Softmax(dim=1))"', 'nn.Softmax(dim=1))  # noqa: LL103"')
        .replace('# noqa: E501\\n"', '# noqa: E501, LL202\\n"')
        .replace('F.nll_loss(logits, target)\\n"', 'F.nll_loss(logits, target)  # noqa: LL101\\n"')
    )
    assert expected.count("LL") == 3
    assert path.read_text(encoding="utf-8") == expected
    cells = json.loads(expected)["cells"]
    assert cells[2]["source"][-1] == "head = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))  # noqa: LL103"
    assert cells[3]["source"][1] == "probs = torch.sigmoid(net(x))  # noqa: E501, LL202\n"
    assert cells[4]["source"] == "step(nn.Linear(3, 2)(x), y)\n"  # LL101's site is `F.nll_loss` in cell 3
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["train.ipynb"]  # no temporary file left

    # Clean now, and a second --add-noqa changes nothing.
    check = run(["train.ipynb"], tmp_path)
    assert (check.returncode, out(check)) == (0, "All checks passed!\n")
    again = run(["--add-noqa", "."], tmp_path)
    assert (again.returncode, err(again)) == (0, "Added 0 noqa directives.\n")
    assert path.read_text(encoding="utf-8") == expected


def test_add_noqa_keeps_another_layout(tmp_path):
    # Two-space indentation, escaped non-ASCII, no final newline: as some tools write them.
    path = tmp_path / "eda.ipynb"
    cells = [markdown("# Données"), *CELLS[1:4]]  # no call of step(): no LL101
    data = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(data, indent=2, ensure_ascii=True)
    path.write_text(text, encoding="utf-8")

    result = run(["--add-noqa", str(path)], tmp_path)
    assert result.returncode == 0 and err(result) == "Added 2 noqa directives.\n"
    after = json.loads(path.read_text(encoding="utf-8"))
    assert path.read_text(encoding="utf-8") == json.dumps(after, indent=2, ensure_ascii=True)
    assert [i for i, (a, b) in enumerate(zip(cells, after["cells"])) if a != b] == [2, 3]


def test_add_noqa_two_site_finding_across_a_notebook_and_a_module(tmp_path):
    # The sigmoid is in the module (LL202's primary site: the comment goes there); the
    # softmax is in the notebook and the loss in the module (LL103's goes in the cell).
    (tmp_path / "nets.py").write_text(
        "import torch.nn as nn\n\n\n"
        "def make_net():\n    return nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())\n\n\n"
        "def ce(model, x, y):\n    return nn.CrossEntropyLoss()(model(x), y)\n"
    )
    notebook_cells = [
        code("import torch\nimport torch.nn as nn\nfrom nets import ce, make_net"),
        code("net = make_net()\nloss = torch.nn.BCEWithLogitsLoss()(net(x), y)"),
        code("clf = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=1))\nce(clf, x, t)"),
    ]
    before = write_notebook(tmp_path / "explore.ipynb", notebook_cells)

    result = run(["--add-noqa", "."], tmp_path)
    assert (result.returncode, err(result)) == (0, "Added 2 noqa directives.\n")
    assert "nn.Sigmoid())  # noqa: LL202\n" in (tmp_path / "nets.py").read_text()
    after = (tmp_path / "explore.ipynb").read_text(encoding="utf-8")
    assert after == before.replace("nn.Softmax(dim=1))\\n", "nn.Softmax(dim=1))  # noqa: LL103\\n")
    assert run(["."], tmp_path).returncode == 0


# --- standard input ------------------------------------------------------------------


def _both_ways(tmp_path, cells, *options: str):
    """The same notebook through stdin (as `train.ipynb`, not on disk there) and as a
    file (in another directory, same name): (stdin result, file result, file path)."""
    (tmp_path / "stdin").mkdir()
    (tmp_path / "disk").mkdir()
    path = tmp_path / "disk" / "train.ipynb"
    text = write_notebook(path, cells)
    piped = run(["-", "--stdin-filename", "train.ipynb", *options], tmp_path / "stdin", stdin=text)
    on_disk = run(["train.ipynb", *options], tmp_path / "disk")
    return piped, on_disk, text


def test_fix_on_stdin_prints_the_fixed_notebook(tmp_path):
    piped, on_disk, text = _both_ways(tmp_path, CELLS, "--fix")
    fixed = (tmp_path / "disk" / "train.ipynb").read_text(encoding="utf-8")
    # stdout: the notebook as --fix writes it to a file (only the softmax's cell changed).
    assert out(piped) == fixed != text
    changed = [i for i, (a, b) in enumerate(zip(json.loads(text)["cells"], json.loads(fixed)["cells"])) if a != b]
    assert changed == [2, 3]  # the softmax is removed in 3; the sigmoid+BCEWithLogits fix edits 4
    # stderr: the remaining findings, reported like a file's --fix reports them on stdout.
    assert err(piped) == out(on_disk)
    assert "train.ipynb:cell 3:3:12: LL101" in err(piped)
    assert "(2 fixed, 1 remaining)" in err(piped)
    assert piped.returncode == on_disk.returncode == 1
    assert not (tmp_path / "stdin" / "train.ipynb").exists()


def test_fix_on_stdin_echoes_a_notebook_with_nothing_to_fix(tmp_path):
    clean = [CELLS[0], CELLS[1], code("net = nn.Linear(4, 3)\nloss = nn.CrossEntropyLoss()(net(x), y)")]
    text = write_notebook(tmp_path / "clean.ipynb", clean)
    result = run(["-", "--stdin-filename", "clean.ipynb", "--fix"], tmp_path, stdin=text)
    assert (result.returncode, out(result), err(result)) == (0, text, "All checks passed!\n")


def test_diff_on_stdin_shows_the_changed_cells(tmp_path):
    piped, on_disk, text = _both_ways(tmp_path, CELLS, "--diff")
    assert out(piped) == out(on_disk)
    assert (tmp_path / "disk" / "train.ipynb").read_text(encoding="utf-8") == text  # --diff writes nothing
    # One diff per changed cell, rows within the cell, the magic line as written.
    assert out(piped) == (
        "--- train.ipynb:cell 3\n"
        "+++ train.ipynb:cell 3\n"
        "@@ -1,4 +1,4 @@\n"
        " net = nn.Sequential(nn.Linear(4, 1))\n"
        " def step(logits, target):\n"
        "     return F.nll_loss(logits, target)\n"
        "-head = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))\n"
        "+head = nn.Sequential(nn.Linear(4, 3))\n"
        "--- train.ipynb:cell 4\n"
        "+++ train.ipynb:cell 4\n"
        "@@ -1,4 +1,4 @@\n"
        " %%time\n"
        "-probs = torch.sigmoid(net(x))  # noqa: E501\n"
        "+probs = net(x)  # noqa: E501\n"
        " loss = nn.BCEWithLogitsLoss()(probs, y)\n"
        " loss2 = nn.CrossEntropyLoss()(head(x), t)\n"
    )
    assert piped.returncode == 1 and err(piped) == "Would fix 2 errors (1 remaining).\n"


def test_fix_on_stdin_with_invalid_json_echoes_it(tmp_path):
    # Like a .py file that does not parse: the input comes back unchanged on stdout (a
    # pipe or an editor keeps its text), the problem is a finding on stderr, exit 1.
    broken = '{\n "cells": [\n  {"cell_type": "code",, }\n ]\n}\n'
    result = run(["-", "--stdin-filename", "nb.ipynb", "--fix", "--output-format", "concise"], tmp_path, stdin=broken)
    assert result.returncode == 1 and out(result) == broken
    assert err(result).startswith("nb.ipynb:3:24: io-error: Failed to read notebook: not valid JSON")
    check = run(["-", "--stdin-filename", "nb.ipynb"], tmp_path, stdin=broken)
    assert check.returncode == 1 and '3 |   {"cell_type": "code",, }' in out(check)  # framed from stdin


def test_fix_on_stdin_of_an_excluded_notebook_echoes_it(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.losslint]\nextend-exclude = ["scratch"]\n')
    text = write_notebook(tmp_path / "cells.json", CELLS)  # not a notebook name: not linted
    result = run(["-", "--stdin-filename", "scratch/nb.ipynb", "--fix", "--force-exclude"], tmp_path, stdin=text)
    assert (result.returncode, out(result)) == (0, text)
