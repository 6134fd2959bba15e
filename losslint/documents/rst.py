"""Python code in reStructuredText: code directives, `::` literal blocks, doctests.

A hand-written scanner, not docutils: docutils is a large dependency that builds the
whole document tree, fails on Sphinx's directives unless Sphinx registers them, and does
not keep the source row and column of each line of a literal block. What is needed here
is only where each block's body starts and ends, which rST defines by indentation:

- `.. code-block:: python` (also `code`, `sourcecode`, `testcode`, `jupyter-execute`,
  and `doctest`/`pycon` for console sessions): the option lines (`:linenos:`) after
  it, then the body, indented more than the directive, up to the first line that is not;
- a paragraph ending in `::`: the indented body after it is a literal block, linted
  when it parses as Python (its language is not written down);
- doctest blocks (`>>> ` lines) anywhere else.

A body whose first line is a `>>>` prompt is read as doctest examples.
"""

from __future__ import annotations

import re

from losslint.documents import doctest
from losslint.documents.core import Block

DIRECTIVE = re.compile(r"^([ \t]*)\.\.[ \t]+([\w-]+)::[ \t]*(\S*)")
CODE = frozenset({"code-block", "code", "sourcecode"})
ALWAYS_PYTHON = frozenset({"testcode", "jupyter-execute"})
PYTHON = frozenset({"", "python", "py", "python3", "py3", "ipython", "ipython3"})
CONSOLE = frozenset({"pycon", "python-console", "doctest"})


def blocks(text: str) -> list[Block]:
    lines = [line.rstrip("\r") for line in text.split("\n")]
    found: list[Block] = []
    outside = list(lines)  # the lines in no body (their doctests are found at the end)
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = DIRECTIVE.match(line)
        literal = directive is None and line.rstrip().endswith("::") and not line.lstrip().startswith("..")
        if directive is None and not literal:
            i += 1
            continue
        if directive is not None:
            name, argument = directive.group(2), directive.group(3).lower()
            if name not in CODE | ALWAYS_PYTHON | {"doctest"}:  # a note, a figure: its body is read on
                i += 1
                continue
            console = name == "doctest" or argument in CONSOLE
            python = name in ALWAYS_PYTHON or (name in CODE and argument in PYTHON)
        else:
            console, python = False, True
        start, end = _body(lines, i + 1, _indent(line), options=directive is not None)
        if start < end and (python or console):
            body = _dedented(lines, start, end)
            if console or doctest.starts_with_prompt(body.code):
                found += _in_body(doctest.examples(body.code, body.rows[0]), body)
            else:
                found.append(body)
        for k in range(i, end):
            outside[k] = ""
        i = max(end, i + 1)
    found += doctest.examples(outside)
    return sorted(found, key=lambda block: block.rows[0])


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _body(lines: list[str], i: int, base: int, options: bool) -> tuple[int, int]:
    """The body of a directive or literal block whose marker line has indentation
    `base`, from line index `i`: (start, end) line indices, without blank lines at
    either end; (i, i) when there is none."""
    if options:  # a directive's option lines directly after it
        while i < len(lines) and lines[i].strip().startswith(":") and _indent(lines[i]) > base:
            i += 1
    end = i
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > base):
        end += 1
    start = i
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return start, end


def _dedented(lines: list[str], start: int, end: int) -> Block:
    width = min(_indent(line) for line in lines[start:end] if line.strip())
    block = Block([], [], [], indent=lines[start][:width])
    for k in range(start, end):
        line = lines[k]
        block.rows.append(k + 1)
        block.prefixes.append(line[:width] if line.strip() else line)
        block.code.append(line[width:] if line.strip() else "")
    return block


def _in_body(examples: list[Block], body: Block) -> list[Block]:
    for example in examples:
        example.prefixes = [body.prefixes[row - body.rows[0]] + p for row, p in zip(example.rows, example.prefixes)]
        example.indent = body.indent + example.indent
    return examples
