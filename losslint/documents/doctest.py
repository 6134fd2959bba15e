"""Doctest examples (`>>> ` and `... ` lines) as code blocks, one block per example.

The standard library's doctest.DocTestParser finds the same examples but gives the
source without the columns of each line and joins the continuation lines, so it cannot
say where a finding is; the prompt syntax is small enough to read directly: an example
is a `>>>` line and the `...` lines right after it, at the same indentation; whatever
follows up to the next blank line or prompt is the expected output (not code).
"""

from __future__ import annotations

import re

from losslint.documents.core import Block

PROMPT = re.compile(r"^([ \t]*)>>>( |$)")


def examples(lines: list[str], first_row: int = 1) -> list[Block]:
    """The doctest examples in `lines` (document rows `first_row`, `first_row + 1`, ...)."""
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        match = PROMPT.match(lines[i])
        if match is None:
            i += 1
            continue
        indent = match.group(1)
        block = Block([], [], [], doctest=True, indent=indent)
        _add(block, lines[i], first_row + i, indent + ">>>")
        i += 1
        while i < len(lines) and re.match(re.escape(indent) + r"\.\.\.( |$)", lines[i]):
            _add(block, lines[i], first_row + i, indent + "...")
            i += 1
        blocks.append(block)
    return blocks


def _add(block: Block, line: str, row: int, prompt: str) -> None:
    width = len(prompt) + (1 if len(line) > len(prompt) else 0)
    block.rows.append(row)
    block.prefixes.append(line[:width])
    block.code.append(line[width:])


def starts_with_prompt(code: list[str]) -> bool:
    """Whether a code block is a console session (`>>> ...`) rather than a script."""
    first = next((line for line in code if line.strip()), "")
    return PROMPT.match(first) is not None


def in_docstrings(text: str) -> list[list[Block]]:
    """The doctest examples of a Python file's docstrings (module, classes, functions),
    at the file's rows and columns, one list per docstring. A file that does not parse
    has none (its syntax error is reported as the file's own)."""
    import ast

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    lines = [line.rstrip("\r") for line in text.split("\n")]
    found: list[list[Block]] = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = node.body
        if not body or not isinstance(body[0], ast.Expr) or not isinstance(body[0].value, ast.Constant):
            continue
        if not isinstance(body[0].value.value, str):
            continue
        first, last = body[0].lineno, body[0].end_lineno or body[0].lineno
        group = examples(lines[first - 1 : last], first)
        if group:
            found.append(group)
    return sorted(found, key=lambda group: group[0].rows[0])
