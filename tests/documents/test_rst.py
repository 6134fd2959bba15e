"""reStructuredText pages (Sphinx): code directives, `::` literal blocks, doctests."""

from __future__ import annotations

from losslint import documents

PAGE = """\
Training a classifier
=====================

Build the model:

.. code-block:: python
   :linenos:

   import torch
   from torch import nn

   model = nn.Sequential(nn.Linear(20, 5), nn.Softmax(dim=1))

Install it with::

   pip install torch

The loss, in a literal block::

    criterion = nn.CrossEntropyLoss()
    loss = criterion(model(torch.randn(4, 20)), torch.tensor([0, 1, 2, 3]))

.. code-block:: bash

   echo done

.. note::

   A console session:

   >>> head = torch.nn.Linear(20, 3)
   >>> torch.nn.functional.nll_loss(head(torch.randn(2, 20)),
   ...                              torch.tensor([0, 1]))
   tensor(-0.2)
"""


def row_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_sphinx_page_blocks_and_positions(docs):
    docs.write("page.rst", PAGE)
    found = {r["code"]: r for r in docs.records("page.rst")}
    assert set(found) == {"LL103", "LL101"}
    softmax_row = row_of(PAGE, "nn.Softmax(dim=1)")
    assert found["LL103"]["location"] == {"row": softmax_row, "column": PAGE.splitlines()[softmax_row - 1].index("nn.Softmax") + 1}
    loss_row = row_of(PAGE, "loss = criterion(")
    assert {"row": loss_row, "column": 12} in [r["location"] for r in found["LL103"]["related"]]
    nll_row = row_of(PAGE, "nll_loss(head(")
    assert found["LL101"]["location"] == {"row": nll_row, "column": PAGE.splitlines()[nll_row - 1].index("torch.nn.functional") + 1}


def test_only_python_blocks_are_read():
    page = documents.parse(PAGE, "page.rst")
    assert "pip install" not in page.source and "echo" not in page.source and ":linenos:" not in page.source
    assert [block.doctest for block in page.blocks] == [False, False, True, True]


def test_fix_inside_the_directive_body_keeps_the_rest(docs):
    path = docs.write("page.rst", PAGE)
    docs.run("check", "page.rst", "--fix", "--select", "LL103", "--no-cache")
    assert path.read_text() == PAGE.replace("nn.Linear(20, 5), nn.Softmax(dim=1))", "nn.Linear(20, 5))")


def test_fix_adds_a_doctest_line_with_its_prompt(docs):
    """LL101's fix inserts `log_softmax` in the loss call; a new line would get `... `."""
    path = docs.write("page.rst", PAGE)
    docs.run("check", "page.rst", "--fix", "--unsafe-fixes", "--select", "LL101", "--no-cache")
    fixed = path.read_text()
    assert fixed.splitlines()[:row_of(PAGE, "A console session") + 1] == PAGE.splitlines()[:row_of(PAGE, "A console session") + 1]
    assert fixed.endswith("   tensor(-0.2)\n")
    assert docs.records("page.rst", "--select", "LL101") == []
