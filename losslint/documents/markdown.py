"""Python code in Markdown: fenced blocks labelled Python, MyST `{code-cell}` cells.

Fences are found by markdown-it-py (CommonMark's rules for fences inside lists and
block quotes, unclosed fences, tildes, longer closing fences are not worth re-deriving).
Its tokens give each fence's lines and content; the text before the content on each
row (indentation, `> `) is the row's prefix, so findings keep document columns.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

from losslint.documents import doctest
from losslint.documents.core import Block

PYTHON = frozenset({"python", "py", "python3", "py3", "ipython", "ipython3"})
CONSOLE = frozenset({"pycon", "python-console", "doctest"})


def blocks(text: str) -> list[Block]:
    lines = [line.rstrip("\r") for line in text.split("\n")]
    found: list[Block] = []
    for token in MarkdownIt("commonmark").parse(text):
        if token.type != "fence" or token.map is None:
            continue
        kind = language(token.info)
        if kind is None:
            continue
        content = token.content.split("\n")
        if content and content[-1] == "":
            content.pop()
        first = token.map[0] + 1  # 0-based index of the first content line
        block = _block(lines[first : first + len(content)], content, first + 1)
        if block is None:
            continue
        if kind == "myst":
            _blank_options(block)
        if kind == "console" or doctest.starts_with_prompt(block.code):
            found += _in_fence(doctest.examples(block.code, block.rows[0]), block)
        else:
            found.append(block)
    return found


def language(info: str) -> str | None:
    """"python", "console" (doctest), "myst" (a code cell) or None for a fence's info."""
    info = info.strip()
    if info.startswith("{"):
        head, _, rest = info[1:].partition("}")
        head = head.strip()
        if head == "code-cell":  # MyST-NB: {code-cell} ipython3
            return "myst" if rest.strip().split(" ", 1)[0].lower() in PYTHON else None
        classes = {word.lstrip(".").lower() for word in head.split()}  # pandoc: {.python .input}
        return "python" if classes & PYTHON else None
    word = info.split(None, 1)[0].lower() if info else ""
    if word in PYTHON:
        return "python"
    return "console" if word in CONSOLE else None


def _block(raw: list[str], content: list[str], first_row: int) -> Block | None:
    """The block of a fence: each row's prefix is what precedes its content."""
    if len(raw) != len(content):
        return None
    block = Block([], [], [])
    for offset, (line, code) in enumerate(zip(raw, content)):
        if not line.endswith(code):  # a tab expanded by the parser: columns unknown
            return None
        block.rows.append(first_row + offset)
        block.prefixes.append(line[: len(line) - len(code)])
        block.code.append(code)
    block.indent = min((p for p, c in zip(block.prefixes, block.code) if c.strip()), key=len, default="")
    return block


def _in_fence(examples: list[Block], fence: Block) -> list[Block]:
    """Doctest examples found in a fence's content: their prefixes and indentation
    gain the fence's own (a fence in a list item)."""
    for example in examples:
        example.prefixes = [fence.prefixes[row - fence.rows[0]] + p for row, p in zip(example.rows, example.prefixes)]
        example.indent = fence.indent + example.indent
    return examples


def _blank_options(block: Block) -> None:
    """A MyST code cell's options (`:tags: [...]` lines or a `---` YAML header) are
    not code: blanked, so that rows stay."""
    code = block.code
    if code and code[0].strip() == "---":
        end = next((i for i in range(1, len(code)) if code[i].strip() == "---"), None)
        if end is not None:
            for i in range(end + 1):
                code[i] = ""
        return
    for i, line in enumerate(code):
        if not line.startswith(":"):
            break
        code[i] = ""
