"""Which documents a directory walk lints: .md/.rst by default, like ruff's file types
configurable with `include`/`extend-include` (file and command line), `extend-exclude`."""

from __future__ import annotations

from tests.documents.test_markdown import CHAPTER, records

PY = "import torch\nfrom torch import nn\nhead = nn.Linear(4, 3)\nloss = nn.functional.nll_loss(head(torch.randn(2, 4)), torch.tensor([0, 1]))\n"


def project(tmp_path, config: str = "") -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.losslint]\n" + config)
    (tmp_path / "docs").mkdir(exist_ok=True)
    (tmp_path / "docs" / "chapter.md").write_text(CHAPTER)
    (tmp_path / "docs" / "page.rst").write_text(".. code-block:: python\n\n   " + PY.replace("\n", "\n   ").rstrip() + "\n")
    (tmp_path / "docs" / "notes.markdown").write_text("```python\n" + PY + "```\n")
    (tmp_path / "train.py").write_text(PY)


def files(capsys, *args: str) -> list[str]:
    return sorted({r["filename"].rsplit("/", 2)[-1] for r in records(capsys, ".", *args)})


def test_markdown_and_rst_are_linted_by_default(tmp_path, capsys, monkeypatch):
    project(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert files(capsys) == ["chapter.md", "page.rst", "train.py"]


def test_include_replaces_the_file_types(tmp_path, capsys, monkeypatch):
    project(tmp_path, 'include = ["*.py"]\n')
    monkeypatch.chdir(tmp_path)
    assert files(capsys) == ["train.py"]


def test_extend_include_in_the_file_and_on_the_command_line(tmp_path, capsys, monkeypatch):
    project(tmp_path, 'extend-include = ["*.markdown"]\n')
    monkeypatch.chdir(tmp_path)
    assert files(capsys) == ["chapter.md", "notes.markdown", "page.rst", "train.py"]
    project(tmp_path)
    assert files(capsys, "--extend-include", "*.markdown") == ["chapter.md", "notes.markdown", "page.rst", "train.py"]
    assert files(capsys, "--include", "*.rst,*.py") == ["page.rst", "train.py"]


def test_extend_exclude_applies_to_documents(tmp_path, capsys, monkeypatch):
    project(tmp_path, 'extend-exclude = ["*.md"]\n')
    monkeypatch.chdir(tmp_path)
    assert files(capsys) == ["page.rst", "train.py"]
    project(tmp_path, 'extend-exclude = ["docs"]\n')
    assert files(capsys) == ["train.py"]


def test_a_named_document_is_linted_whatever_the_include(tmp_path, capsys, monkeypatch):
    project(tmp_path, 'include = ["*.py"]\n')
    monkeypatch.chdir(tmp_path)
    assert [r["code"] for r in records(capsys, "docs/chapter.md")] == ["LL103"]
