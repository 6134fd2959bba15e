"""Markdown documents (a book chapter, MyST cells): their Python blocks linted as one
program, findings at document rows and columns, fixes inside the blocks only."""

from __future__ import annotations

from losslint import documents

# A chapter as a book would have it: prose, imports in one block, the model in a block
# inside a list item (indented), a shell block, a block that does not parse, then the
# training step in a last block.
CHAPTER = """\
# Chapter 4: classifying digits

The model maps 784 pixels to 10 classes. First the imports:

```python
import torch
from torch import nn
```

Then:

1. Build the network:

   ```python
   model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))
   ```

```bash
pip install torch
```

In pseudo-code, a step is:

```python
for batch in loader:
    ... the loss ...
```

```python
criterion = nn.CrossEntropyLoss()
images = torch.randn(8, 784)
labels = torch.randint(0, 10, (8,))
loss = criterion(model(images), labels)
```

The end.
"""


def test_chapter_blocks_are_one_program_and_findings_have_document_positions(docs):
    docs.write("chapter.md", CHAPTER)
    [record] = docs.records("chapter.md")
    assert record["code"] == "LL103"
    # `nn.Softmax(dim=1)` on row 15, after the list item's three spaces of indentation.
    line = CHAPTER.splitlines()[14]
    assert record["location"] == {"row": 15, "column": line.index("nn.Softmax") + 1}
    assert record["end_location"] == {"row": 15, "column": line.index("))") + 2}
    assert "cell" not in record
    rows = CHAPTER.splitlines()
    related = {r["message"]: r["location"] for r in record["related"]}
    assert related["CrossEntropyLoss computed here"] == {"row": rows.index("loss = criterion(model(images), labels)") + 1, "column": 8}
    assert related["CrossEntropyLoss created here"] == {"row": rows.index("criterion = nn.CrossEntropyLoss()") + 1, "column": 13}


def test_non_python_and_unparsable_blocks_are_not_linted():
    page = documents.parse(CHAPTER, "chapter.md")
    rows = CHAPTER.splitlines()
    assert [block.rows[0] for block in page.blocks] == [6, 15, rows.index("criterion = nn.CrossEntropyLoss()") + 1]  # not the bash block, not the pseudo-code
    assert "pip install" not in page.source and "the loss" not in page.source


def test_fix_rewrites_inside_the_block_only(docs):
    path = docs.root / "chapter.md"
    path.write_bytes(CHAPTER.encode())
    status, _ = docs.run("check", "chapter.md", "--fix", "--no-cache")
    assert status == 0
    expected = CHAPTER.replace("nn.Linear(784, 10), nn.Softmax(dim=1))", "nn.Linear(784, 10))")
    assert path.read_bytes() == expected.encode()  # every other byte as it was


def test_fix_keeps_crlf_line_endings(docs):
    path = docs.root / "chapter.md"
    path.write_bytes(CHAPTER.replace("\n", "\r\n").encode())
    docs.run("check", "chapter.md", "--fix", "--no-cache")
    expected = CHAPTER.replace("nn.Linear(784, 10), nn.Softmax(dim=1))", "nn.Linear(784, 10))")
    assert path.read_bytes() == expected.replace("\n", "\r\n").encode()


def test_noqa_in_a_block(docs):
    text = CHAPTER.replace("nn.Softmax(dim=1))\n", "nn.Softmax(dim=1))  # noqa: LL103\n")
    docs.write("chapter.md", text)
    assert docs.records("chapter.md") == []


def test_add_noqa_writes_the_comment_in_the_block(docs):
    path = docs.write("chapter.md", CHAPTER)
    docs.run("check", "chapter.md", "--add-noqa", "--no-cache")
    assert path.read_text() == CHAPTER.replace("nn.Softmax(dim=1))\n", "nn.Softmax(dim=1))  # noqa: LL103\n")
    assert docs.records("chapter.md") == []


MYST = """\
---
jupytext:
  text_representation:
    format_name: myst
---
# Soft labels

```{code-cell} ipython3
:tags: [hide-output]
%matplotlib inline
import torch
import torch.nn.functional as F
```

```{code-cell} ipython3
head = torch.nn.Linear(8, 3)
loss = F.nll_loss(head(torch.randn(4, 8)), torch.tensor([0, 1, 2, 0]))
```

```{code-cell} r
x <- 1
```
"""


def test_myst_code_cells_with_options_and_magics(docs):
    docs.write("soft.md", MYST)
    [record] = docs.records("soft.md")
    row = MYST.splitlines().index("loss = F.nll_loss(head(torch.randn(4, 8)), torch.tensor([0, 1, 2, 0]))") + 1
    assert (record["code"], record["location"]["row"]) == ("LL101", row)


CONSOLE = """\
Try it:

- In a session:

  ```pycon
  >>> import torch
  >>> probs = torch.softmax(torch.randn(2, 3), dim=1)
  >>> torch.nn.functional.nll_loss(probs,
  ...                              torch.tensor([0, 1]))
  tensor(-0.3)
  ```
"""


def test_doctest_fence_positions_and_fix(docs):
    path = docs.write("console.md", CONSOLE)
    [record] = docs.records("console.md")
    line = CONSOLE.splitlines()[6]
    assert (record["code"], record["location"]) == ("LL102", {"row": 7, "column": line.index("torch.softmax") + 1})
    docs.run("check", "console.md", "--fix", "--unsafe-fixes", "--no-cache")
    assert path.read_text() == CONSOLE.replace("torch.softmax(", "torch.log_softmax(")
