"""Jupyter notebooks: real .ipynb files (nbformat 4, written with json) linted and fixed."""

from __future__ import annotations

import json
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from losslint.cli import main
from losslint.core import notebook

KERNEL = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python", "version": "3.11.4"},
}


def code(text: str, outputs: list | None = None, count: int | None = 1) -> dict:
    return {
        "cell_type": "code",
        "execution_count": count,
        "id": f"c{abs(hash(text)) % 10**8}",
        "metadata": {"tags": ["train"]},
        "outputs": outputs if outputs is not None else [],
        "source": text.splitlines(keepends=True),
    }


def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "id": "md", "metadata": {}, "source": text.splitlines(keepends=True)}


def write_notebook(path, cells, metadata=KERNEL, indent=1, trailing_newline=True) -> str:
    data = {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(data, indent=indent, ensure_ascii=False) + ("\n" if trailing_newline else "")
    path.write_text(text, encoding="utf-8")
    return text


PLOT_OUTPUT = [
    {"data": {"image/png": "iVBORw0KGgo=", "text/plain": ["<Figure size 640x480>"]}, "metadata": {}, "output_type": "display_data"}
]

# Cell 1 markdown, 2 imports with magics, 3 the model, 4 training under %%time, 5 bash.
TRAINING_CELLS = [
    markdown("# Iris classifier – trains a small MLP"),
    code("%matplotlib inline\nimport torch\nimport torch.nn as nn\n!pip install -q torchmetrics"),
    code(
        "model = nn.Sequential(\n"
        "    nn.Linear(4, 16),\n"
        "    nn.ReLU(),\n"
        "    nn.Linear(16, 3),\n"
        "    nn.Softmax(dim=1),\n"
        ")\n"
        "criterion = nn.CrossEntropyLoss()\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)"
    ),
    code(
        "%%time\n"
        "features = torch.randn(32, 4)\n"
        "labels = torch.randint(0, 3, (32,))\n"
        "for epoch in range(10):\n"
        "    optimizer.zero_grad()\n"
        "    loss = criterion(model(features), labels)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
        "files = !ls data/\n"
        "model?",
        outputs=PLOT_OUTPUT,
    ),
    code("%%bash\necho done > log.txt"),
]


def run_cli(capsys, *args: str) -> tuple[int, str]:
    code_ = main(list(args))
    return code_, capsys.readouterr().out


def test_findings_point_at_cell_and_line(tmp_path, capsys, monkeypatch):
    write_notebook(tmp_path / "train.ipynb", TRAINING_CELLS)
    monkeypatch.chdir(tmp_path)

    status, out = run_cli(capsys, "check", "train.ipynb", "--output-format", "concise")
    assert status == 1
    assert out.splitlines()[0].startswith("train.ipynb:cell 3:5:5: LL103 ")

    status, out = run_cli(capsys, "check", ".", "--output-format", "json")
    [record] = json.loads(out)
    assert record["code"] == "LL103"
    assert record["cell"] == 3
    assert record["location"] == {"row": 5, "column": 5}
    assert record["end_location"] == {"row": 5, "column": 22}
    assert record["noqa_row"] == 5
    related = {r["message"]: r for r in record["related"]}
    # The loss is called in cell 4 (line 6 of the cell, after the %%time line) ...
    assert related["CrossEntropyLoss computed here"]["cell"] == 4
    assert related["CrossEntropyLoss computed here"]["location"] == {"row": 6, "column": 12}
    # ... and created in cell 3.
    assert related["CrossEntropyLoss created here"]["cell"] == 3
    assert related["CrossEntropyLoss created here"]["location"]["row"] == 7


def test_full_output_shows_cells_of_both_sites(tmp_path, capsys, monkeypatch):
    write_notebook(tmp_path / "train.ipynb", TRAINING_CELLS)
    monkeypatch.chdir(tmp_path)
    _, out = run_cli(capsys, "check", "train.ipynb")
    assert "train.ipynb:cell 3:5:5" in out
    assert "train.ipynb:cell 4:6:12" in out


def test_python_files_have_no_cell_key(tmp_path, capsys):
    (tmp_path / "train.py").write_text(
        "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))\n"
        "loss = nn.CrossEntropyLoss()(model(x), y)\n"
    )
    status, out = run_cli(capsys, "check", str(tmp_path), "--output-format", "json")
    [record] = json.loads(out)
    assert status == 1 and "cell" not in record
    assert all("cell" not in r for r in record["related"])


def test_notebook_and_module_form_one_project(tmp_path, capsys):
    # The model lives in a module, the notebook imports and trains it.
    (tmp_path / "nets.py").write_text(
        "import torch.nn as nn\n\n\ndef make_net():\n    return nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())\n"
    )
    write_notebook(
        tmp_path / "explore.ipynb",
        [code("import torch\nfrom nets import make_net"), code("net = make_net()\nloss = torch.nn.BCEWithLogitsLoss()(net(x), y)")],
    )
    _, out = run_cli(capsys, "check", str(tmp_path), "--output-format", "json")
    records = json.loads(out)
    assert [r["code"] for r in records] == ["LL202"], records
    sites = [records[0]] + records[0]["related"]
    notebook_sites = [s for s in sites if s["filename"].endswith("explore.ipynb")]
    assert notebook_sites and all(s["cell"] == 2 for s in notebook_sites)
    module_sites = [s for s in sites if s["filename"].endswith("nets.py")]
    assert module_sites and all("cell" not in s for s in module_sites)


def test_directories_include_notebooks_but_not_checkpoints(tmp_path, capsys):
    write_notebook(tmp_path / "a.ipynb", TRAINING_CELLS)
    (tmp_path / ".ipynb_checkpoints").mkdir()
    write_notebook(tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb", TRAINING_CELLS)
    _, out = run_cli(capsys, "check", str(tmp_path), "--output-format", "json")
    assert [os.path.basename(r["filename"]) for r in json.loads(out)] == ["a.ipynb"]


def test_invalid_notebook_is_one_finding_and_the_rest_is_checked(tmp_path, capsys):
    (tmp_path / "broken.ipynb").write_text('{\n "cells": [\n  {"cell_type": "code",, }\n ]\n}\n')
    (tmp_path / "not_v4.ipynb").write_text('{"worksheets": [], "nbformat": 3}')
    (tmp_path / "train.py").write_text(
        "import torch.nn as nn\nimport torch.nn.functional as F\n\n"
        "def step(logits, target):\n    return F.nll_loss(logits, target)\n\nstep(nn.Linear(3, 2)(x), y)\n"
    )
    status, out = run_cli(capsys, "check", str(tmp_path), "--output-format", "json")
    records = {os.path.basename(r["filename"]): r for r in json.loads(out)}
    assert status == 1
    broken = records["broken.ipynb"]
    assert broken["code"] is None and broken["name"] == "io-error"
    assert "not valid JSON" in broken["message"]
    assert broken["location"] == {"row": 3, "column": 24}  # where the JSON breaks
    assert "nbformat 3" in records["not_v4.ipynb"]["message"]
    assert "train.py" in records  # the other files are still linted


def test_syntax_error_in_a_cell_points_at_the_cell(tmp_path, capsys):
    write_notebook(tmp_path / "nb.ipynb", [code("import torch"), code("x = 1\ndef broken(:\n    pass")])
    status, out = run_cli(capsys, "check", str(tmp_path), "--output-format", "json")
    [record] = json.loads(out)
    assert status == 1 and record["name"] == "invalid-syntax"
    assert record["cell"] == 2 and record["location"]["row"] == 2


def test_other_kernels_are_not_linted(tmp_path, capsys):
    r_kernel = {"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}, "language_info": {"name": "R"}}
    write_notebook(tmp_path / "r.ipynb", [code("x <- c(1, 2)\nsoftmax <- function(x) exp(x)")], metadata=r_kernel)
    status, out = run_cli(capsys, "check", str(tmp_path), "--output-format", "json")
    assert (status, json.loads(out)) == (0, [])


# --- IPython syntax --------------------------------------------------------------------


def test_ipython_lines_are_blanked_in_place():
    cell = [
        "%load_ext autoreload",
        "!nvidia-smi \\",
        "    --query-gpu=name",
        "gpus = !nvidia-smi -L",
        "stats = %timeit -o sum(range(9))",
        "total = (3",
        "         % 2)",
        'doc = """',
        "%s is not a magic inside a string",
        '"""',
        "if torch.cuda.is_available():",
        "    %env CUDA_VISIBLE_DEVICES=0",
        "torch.nn.Softmax?",
        "??torch.nn.functional",
        "rate = 10 % 3  # a modulo, not a magic",
    ]
    blanked = notebook.blank_ipython(cell)
    assert len(blanked) == len(cell)
    assert blanked == [
        "",
        "",
        "",
        "",
        "",
        "total = (3",
        "         % 2)",
        'doc = """',
        "%s is not a magic inside a string",
        '"""',
        "if torch.cuda.is_available():",
        "    pass",
        "",
        "",
        "rate = 10 % 3  # a modulo, not a magic",
    ]
    compile("\n".join(blanked), "<cell>", "exec")  # the blanked cell is valid Python


def test_cell_magics():
    assert notebook.blank_ipython(["%%bash", "for f in *; do", "  echo $f", "done"]) == ["", "", "", ""]
    assert notebook.blank_ipython(["%%writefile model.py", "import torch"]) == ["", ""]
    assert notebook.blank_ipython(["%%time", "x = 1", "!ls"]) == ["", "x = 1", ""]
    assert notebook.blank_ipython(["%%capture out", "print(1)"]) == ["", "print(1)"]


# --- Writing fixes back ----------------------------------------------------------------


def fixed(source: str, old: str, new: str) -> str:
    assert source.count(old) == 1, old
    return source.replace(old, new)


def test_apply_source_rewrites_only_changed_cells(tmp_path):
    path = tmp_path / "train.ipynb"
    original_text = write_notebook(path, TRAINING_CELLS)
    book = notebook.read(path)
    # What a fix does to the joined source: drop the Softmax line, add an import.
    new_source = fixed(book.source, "    nn.Softmax(dim=1),\n", "")
    new_source = fixed(new_source, "import torch.nn as nn\n", "import torch.nn as nn\nimport torch.nn.functional as F\n")

    after_text = notebook.apply_source(book, new_source)
    path.write_text(after_text, encoding="utf-8")

    before = json.loads(original_text)
    after = json.loads(after_text)
    assert after["metadata"] == before["metadata"]
    assert (after["nbformat"], after["nbformat_minor"]) == (4, 5)
    for index in (0, 3, 4):  # markdown, training cell (with its outputs), bash cell
        assert after["cells"][index] == before["cells"][index]
    imports, model = after["cells"][1], after["cells"][2]
    assert imports["source"] == [
        "%matplotlib inline\n",
        "import torch\n",
        "import torch.nn as nn\n",
        "import torch.nn.functional as F\n",
        "!pip install -q torchmetrics",
    ]
    assert "nn.Softmax" not in "".join(model["source"])
    assert model["source"][-1] == "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)"  # still no final newline
    assert {k: v for k, v in model.items() if k != "source"} == {k: v for k, v in before["cells"][2].items() if k != "source"}
    # Same layout as Jupyter's writer: indent 1, raw non-ASCII, trailing newline.
    assert after_text == json.dumps(after, indent=1, ensure_ascii=False) + "\n"
    assert "–" in after_text
    # And the notebook no longer has the mistake.
    assert main(["check", str(path), "--output-format", "json"]) == 0


def test_apply_source_keeps_other_layouts(tmp_path):
    path = tmp_path / "compact.ipynb"
    cells = [code("import torch.nn as nn"), code("head = nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=1))")]
    cells[1]["source"] = "".join(cells[1]["source"])  # source as one string, also valid nbformat
    write_notebook(path, cells, indent=2, trailing_newline=False)
    book = notebook.read(path)
    text = notebook.apply_source(book, fixed(book.source, ", nn.Softmax(dim=1)", ""))
    data = json.loads(text)
    assert data["cells"][1]["source"] == "head = nn.Sequential(nn.Linear(2, 2))"
    assert text == json.dumps(data, indent=2, ensure_ascii=False)


def test_apply_source_without_change_gives_the_same_text(tmp_path):
    path = tmp_path / "train.ipynb"
    text = write_notebook(path, TRAINING_CELLS)
    book = notebook.read(path)
    assert notebook.apply_source(book, book.source) == book.text == text


# Unique, valid lines so that the expected cells are unambiguous.
cell_lists = st.lists(st.lists(st.integers(0, 10**6), min_size=1, max_size=6, unique=True), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(cells=cell_lists, data=st.data())
def test_line_edits_land_in_their_cells(cells, data):
    # Number every line uniquely; every third cell starts with a magic.
    counter = iter(range(10**6))
    texts = []
    for index, cell in enumerate(cells):
        lines = [f"v{next(counter)} = {value}" for value in cell]
        if index % 3 == 0:
            lines.insert(0, "%matplotlib inline")
        texts.append(lines)
    data_ = {"cells": [code("\n".join(lines)) for lines in texts], "metadata": KERNEL, "nbformat": 4, "nbformat_minor": 5}
    book = notebook.parse(json.dumps(data_, indent=1) + "\n")
    python_lines = [i for i, line in enumerate(book.lines) if line]
    deleted = set(data.draw(st.lists(st.sampled_from(python_lines), unique=True, max_size=len(python_lines))))
    changed = set(data.draw(st.lists(st.sampled_from(python_lines), unique=True))) - deleted
    new_lines = [line + "  # fixed" if i in changed else line for i, line in enumerate(book.lines) if i not in deleted]

    result = json.loads(notebook.apply_source(book, "".join(line + "\n" for line in new_lines)))

    row = 0
    for index, lines in enumerate(texts):
        expected = []
        for line in lines:
            if row not in deleted:
                expected.append(line + "  # fixed" if row in changed else line)
            row += 1
        assert "".join(result["cells"][index]["source"]) == "\n".join(expected)


def test_noqa_on_a_cell_line(tmp_path, capsys):
    cells = [dict(c) for c in TRAINING_CELLS]
    cells[2] = code("".join(TRAINING_CELLS[2]["source"]).replace("nn.Softmax(dim=1),", "nn.Softmax(dim=1),  # noqa: LL103"))
    write_notebook(tmp_path / "train.ipynb", cells)
    status, out = run_cli(capsys, "check", str(tmp_path), "--output-format", "json")
    assert (status, json.loads(out)) == (0, [])


def test_fix_from_the_command_line_rewrites_only_the_fixed_cell(tmp_path, capsys):
    path = tmp_path / "train.ipynb"
    before = json.loads(write_notebook(path, TRAINING_CELLS))
    status, _ = run_cli(capsys, "check", str(path), "--fix", "--unsafe-fixes")
    after = json.loads(path.read_text(encoding="utf-8"))
    assert status == 0
    assert [i for i, (a, b) in enumerate(zip(before["cells"], after["cells"])) if a != b] == [2]
    assert "nn.Softmax" not in "".join(after["cells"][2]["source"])
    assert after["cells"][3]["outputs"] == PLOT_OUTPUT and after["metadata"] == before["metadata"]
    assert path.read_text(encoding="utf-8") == json.dumps(after, indent=1, ensure_ascii=False) + "\n"


def test_notebook_on_standard_input(tmp_path):
    import subprocess
    import sys

    text = write_notebook(tmp_path / "train.ipynb", TRAINING_CELLS)
    command = [sys.executable, "-m", "losslint", "check", "-", "--stdin-filename", "train.ipynb", "--output-format", "concise"]
    result = subprocess.run(command, input=text, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("train.ipynb:cell 3:5:5: LL103 ")
    result = subprocess.run(command, input="{not json", capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 1 and "train.ipynb:1:2: io-error: Failed to read notebook: not valid JSON" in result.stdout
