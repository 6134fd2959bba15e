"""Which documents a directory walk lints: .md/.rst by default, like ruff's file types
configurable with `include`/`extend-include` (file and command line), `extend-exclude`."""

from __future__ import annotations

from tests.documents.test_markdown import CHAPTER

PY = "import torch\nfrom torch import nn\nhead = nn.Linear(4, 3)\nloss = nn.functional.nll_loss(head(torch.randn(2, 4)), torch.tensor([0, 1]))\n"


def project(docs, config: str = "") -> None:
    docs.write("pyproject.toml", "[tool.losslint]\n" + config)
    docs.write("docs/chapter.md", CHAPTER)
    docs.write("docs/page.rst", ".. code-block:: python\n\n   " + PY.replace("\n", "\n   ").rstrip() + "\n")
    docs.write("docs/notes.markdown", "```python\n" + PY + "```\n")
    docs.write("train.py", PY)


def files(docs, *args: str) -> list[str]:
    return sorted({r["filename"].rsplit("/", 2)[-1] for r in docs.records(".", *args)})


def test_markdown_and_rst_are_linted_by_default(docs):
    project(docs)
    assert files(docs) == ["chapter.md", "page.rst", "train.py"]


def test_include_replaces_the_file_types(docs):
    project(docs, 'include = ["*.py"]\n')
    assert files(docs) == ["train.py"]


def test_extend_include_in_the_file_and_on_the_command_line(docs):
    project(docs, 'extend-include = ["*.markdown"]\n')
    assert files(docs) == ["chapter.md", "notes.markdown", "page.rst", "train.py"]
    project(docs)
    assert files(docs, "--extend-include", "*.markdown") == ["chapter.md", "notes.markdown", "page.rst", "train.py"]
    assert files(docs, "--include", "*.rst,*.py") == ["page.rst", "train.py"]


def test_extend_exclude_applies_to_documents(docs):
    project(docs, 'extend-exclude = ["*.md"]\n')
    assert files(docs) == ["page.rst", "train.py"]
    project(docs, 'extend-exclude = ["docs"]\n')
    assert files(docs) == ["train.py"]


def test_a_named_document_is_linted_whatever_the_include(docs):
    project(docs, 'include = ["*.py"]\n')
    assert [r["code"] for r in docs.records("docs/chapter.md")] == ["LL103"]


def test_a_document_in_another_encoding_is_a_warning_not_an_error(docs):
    project(docs)
    (docs.root / "docs" / "notes.rst").write_bytes("Caf\xe9 notes\n".encode("latin-1"))
    assert files(docs) == ["chapter.md", "page.rst", "train.py"]
    status, _ = docs.run("check", "docs/notes.rst", "--no-cache")
    assert status == 0
    assert "notes.rst: not valid UTF-8, its code blocks were not read" in docs.err
