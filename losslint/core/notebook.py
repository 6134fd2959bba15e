"""Jupyter notebooks: lint the code cells as one Python source, report `cell N, line M`.

The code cells are joined in order into one source (each cell ends with a newline), so
that a model defined in cell 2 and a loss computed in cell 5 are linked like two lines
of one file. IPython syntax that is not Python (`%magic`, `%%cell magic`, `!shell`,
`var = !cmd`, `obj?`) is blanked line by line, so rows and columns stay aligned.

Findings are computed on the joined source (noqa, fixes and everything else work on it
unchanged); `locate` translates their sites to cell-relative rows just before reporting.
`apply_source` maps a fixed joined source back onto the cells and rewrites only the
cells that changed, leaving outputs, metadata and the JSON layout as they were;
`replace_lines` does the same for in-place line edits (--add-noqa).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from losslint.core.findings import Edit, Finding, Fix, Position, Related, Site
from losslint.core.joined import Joined

SUFFIX = ".ipynb"

# Cell magics whose body is Python: only their first line is blanked. Any other cell
# magic (%%bash, %%html, %%writefile, ...) blanks the whole cell.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "python", "python3", "pypy"})

_ASSIGNED_ESCAPE = re.compile(r"[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[%!]")
_HELP = re.compile(r"(\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")


class NotebookError(ValueError):
    """A notebook that cannot be read as nbformat 4 JSON (at a row/column of the file)."""

    def __init__(self, message: str, row: int = 1, column: int = 1):
        super().__init__(message)
        self.row = row
        self.column = column

    def finding(self, path: str) -> Finding:
        return Finding.problem("io-error", f"Failed to read notebook: {self}", path, self.row, self.column)


@dataclass(kw_only=True)
class Notebook(Joined):
    """The code cells joined (core.joined.Joined: `lines`, `origin`, `real`; the
    blocks are cells, by index among all cells)."""

    path: str
    text: str  # the file as read
    data: dict[str, Any]  # the parsed JSON, edited in place by apply_source

    def cell_lines(self, cell: int) -> list[str]:
        """The lines of cell `cell` (1-based, as reported), for source frames."""
        return _split(_cell_text(self.data["cells"][cell - 1]))[0]

    def position(self, position: Position) -> tuple[int, Position]:
        """A joined-source position -> (cell number, position within that cell)."""
        cell, within = self.block_position(position)
        return cell + 1, within

    def site(self, site: Site) -> Site:
        cell, start = self.position(site.start)
        end_cell, end = self.position(site.end)
        if end_cell != cell:  # never for real code: an expression lives in one cell
            end = Position(start.row, start.column)
        return Site(site.path, start, end, cell=cell)

    def row(self, row: int | None) -> int | None:
        return None if row is None else self.position(Position(row, 1))[1].row


def is_notebook(path: str | os.PathLike) -> bool:
    return str(path).endswith(SUFFIX)


def read(path: str | os.PathLike) -> Notebook:
    """Read a notebook file. Raises NotebookError for bad content, OSError for bad files."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    return parse(text, str(path))


def parse(text: str, path: str = "<notebook>") -> Notebook:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"not valid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    _validate(data)
    lines: list[str] = []
    origin: list[tuple[int, int]] = []
    real: list[str] = []
    if _is_python(data):
        for index, cell in enumerate(data["cells"]):
            if cell.get("cell_type") != "code":
                continue
            cell_real = _split(_cell_text(cell))[0]
            lines += blank_ipython(cell_real)
            real += cell_real
            origin += [(index, row) for row in range(1, len(cell_real) + 1)]
    return Notebook(path=path, text=text, data=data, lines=lines, origin=origin, real=real)


def _validate(data: Any) -> None:
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        if isinstance(data, dict) and "worksheets" in data:
            raise NotebookError("nbformat 3 is not supported (convert it with `jupyter nbconvert --to notebook`)")
        raise NotebookError("not an nbformat 4 notebook (no `cells` list)")
    for number, cell in enumerate(data["cells"], 1):
        source = cell.get("source") if isinstance(cell, dict) else None
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str) or not (
            isinstance(source, str) or (isinstance(source, list) and all(isinstance(s, str) for s in source))
        ):
            raise NotebookError(f"cell {number} is not a valid cell (needs `cell_type` and a `source`)")


def _is_python(data: dict[str, Any]) -> bool:
    """Notebooks of other kernels (R, Julia, ...) have no Python to lint."""
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        info = metadata.get(key)
        if isinstance(info, dict) and isinstance(info.get(field), str):
            return info[field].lower() == "python"
    return True


def _cell_text(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _split(text: str) -> tuple[list[str], bool]:
    """Cell text -> (lines without newlines, whether the text ended with a newline)."""
    if text == "":
        return [], False
    lines = text.split("\n")
    if lines[-1] == "":
        return lines[:-1], True
    return lines, False


# --- IPython syntax -------------------------------------------------------------------


def blank_ipython(lines: list[str]) -> list[str]:
    """The cell's lines with IPython-only lines blanked (same number of lines).

    A line is IPython syntax only where a Python statement could start (not inside
    brackets, a triple-quoted string or after a backslash), so `x = (a\\n % b)` stays.
    An indented magic becomes `pass` so that the block around it still parses.
    """
    if not lines:
        return []
    first = lines[0].lstrip()
    if first.startswith("%%"):
        name = first[2:].split(None, 1)[0] if first[2:].strip() else ""
        if name not in PYTHON_CELL_MAGICS:
            return [""] * len(lines)
        return [""] + _blank_lines(lines[1:])
    return _blank_lines(lines)


def _blank_lines(lines: list[str]) -> list[str]:
    out = []
    scanner = StatementScanner()
    continued_escape = False  # the previous line was an IPython line ending with a backslash
    for line in lines:
        if continued_escape:
            out.append("")
            continued_escape = line.endswith("\\")
        elif scanner.at_statement_start() and _is_ipython(line):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + "pass" if indent else "")
            continued_escape = line.endswith("\\")
        else:
            out.append(line)
            scanner.feed(line)
    return out


def _is_ipython(line: str) -> bool:
    stripped = line.strip()
    return bool(
        stripped.startswith(("%", "!"))
        or _ASSIGNED_ESCAPE.match(stripped)
        or (_HELP.match(stripped) and not stripped.startswith("#"))
    )


class StatementScanner:
    """Just enough of Python's tokenizer to know whether a new statement may start."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None  # the open triple quote
        self.backslash = False

    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.quote is None and not self.backslash

    def feed(self, line: str) -> None:
        i, n = 0, len(line)
        comment = False
        while i < n:
            if self.quote is not None:
                if line.startswith(self.quote, i):
                    i += 3
                    self.quote = None
                else:
                    i += 2 if line[i] == "\\" else 1
                continue
            char = line[i]
            if char == "#":
                comment = True
                break
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            elif char in "'\"":
                if line.startswith(char * 3, i):
                    self.quote = char * 3
                    i += 3
                    continue
                i += 1
                while i < n and line[i] != char:
                    i += 2 if line[i] == "\\" else 1
            i += 1
        self.backslash = not comment and self.quote is None and line.endswith("\\")


# --- Reporting ------------------------------------------------------------------------


def locate(findings: list[Finding], notebooks: dict[str, Notebook]) -> list[Finding]:
    """Findings with every site in a notebook made cell-relative (for reporters)."""
    if not notebooks:
        return findings
    return [_locate(finding, notebooks) for finding in findings]


def _locate(finding: Finding, notebooks: dict[str, Notebook]) -> Finding:
    def site(s: Site) -> Site:
        notebook = notebooks.get(s.path)
        return notebook.site(s) if notebook is not None and s.cell is None else s

    fix = finding.fix
    if fix is not None:
        fix = Fix(fix.applicability, fix.message, tuple(Edit(e.content, site(e.site)) for e in fix.edits))
    notebook = notebooks.get(finding.site.path)
    noqa_row = notebook.row(finding.noqa_row) if notebook is not None and finding.site.cell is None else finding.noqa_row
    return dataclasses.replace(
        finding,
        site=site(finding.site),
        related=[Related(site(r.site), r.message) for r in finding.related],
        fix=fix,
        noqa_row=noqa_row,
    )


# --- Fixing ---------------------------------------------------------------------------


def apply_source(notebook: Notebook, fixed_source: str) -> str:
    """The notebook file's new text once `fixed_source` (a fixed joined source) is in.

    The fixed lines are aligned with the original joined lines (difflib); a kept line
    stays in its cell, an inserted line joins the cell of the line before it. IPython
    lines come back as they were. Only cells whose text changed get a new `source`;
    when none did, the original text is returned unchanged.
    """
    if not notebook.origin:  # no code cells: nothing a fix could have touched
        return notebook.text
    cells = {
        cell: [notebook.real[line] if isinstance(line, int) else line for line in lines]
        for cell, lines in notebook.regroup(fixed_source).items()
    }
    return _rewrite(notebook, cells)


def replace_lines(notebook: Notebook, replacements: dict[int, str]) -> str:
    """The notebook file's new text with joined rows (1-based) replaced in place: each
    new line stays in its cell at its row, no alignment needed (for --add-noqa, which
    only appends comments). Rows of blanked IPython lines are left as they are."""
    cells: dict[int, list[str]] = {cell: [] for cell, _ in notebook.origin}
    for index, (cell, _) in enumerate(notebook.origin):
        line = replacements.get(index + 1)
        keep = line is None or notebook.lines[index] != notebook.real[index]
        cells[cell].append(notebook.real[index] if keep else line)
    return _rewrite(notebook, cells)


def _rewrite(notebook: Notebook, cells: dict[int, list[str]]) -> str:
    """The notebook's text with the code cells' lines `cells` ({cell index: lines});
    only cells whose text changed get a new `source` (in their list-or-string form)."""
    data = copy.deepcopy(notebook.data)
    changed = False
    for index, lines in cells.items():
        cell = data["cells"][index]
        old_text = _cell_text(cell)
        ends_with_newline = _split(old_text)[1]
        new_text = "\n".join(lines) + ("\n" if ends_with_newline and lines else "")
        if new_text != old_text:
            cell["source"] = new_text if isinstance(cell["source"], str) else re.findall(r"[^\n]*\n|[^\n]+", new_text)
            changed = True
    return dump(data, notebook.text) if changed else notebook.text


def dump(data: dict[str, Any], like: str) -> str:
    """Serialize `data` in the layout of the file text `like` (indent, escapes, newlines)."""
    indent_match = re.match(r"\s*[\[{]\r?\n([ \t]+)", like)
    indent: int | str | None = None
    if indent_match:
        whitespace = indent_match.group(1)
        indent = len(whitespace) if set(whitespace) == {" "} else whitespace
    separators = None if indent is not None or '": ' in like else (",", ":")
    ensure_ascii = like.isascii() and "\\u" in like
    text = json.dumps(data, indent=indent, ensure_ascii=ensure_ascii, separators=separators)
    if "\r\n" in like:
        text = text.replace("\n", "\r\n")
    if like.endswith("\r\n"):
        text += "\r\n"
    elif like.endswith("\n"):
        text += "\n"
    return text
