"""A fix under construction: node changes in one or more files, plus what makes it unsafe.

`Plan.finish` renders every file, checks that each still compiles, and turns the change
into text edits (findings.Edit) that touch only what changed.
"""

from __future__ import annotations

import libcst as cst

from losslint.core.findings import Edit, Fix, Site
from losslint.core.sources import display_path
from losslint.fixes.changes import FileChanges
from losslint.fixes.consumers import Consumer
from losslint.fixes.errors import InvalidFix, Unfixable
from losslint.fixes.source import SourceFile, compiles, diff_edits
from losslint.fixes.view import ProjectView


class Plan:
    def __init__(self, view: ProjectView) -> None:
        self.view = view
        self.files: dict[str, FileChanges] = {}
        self.consumers: list[Consumer] = []
        self.unknown_uses: list[Site] = []  # criterion calls on inputs losslint cannot see
        self.switched: dict[Site, tuple[str, str]] = {}  # criterion/call site -> (old, new loss)
        self.handled_losses: set[Site] = set()

    def changes(self, path: str) -> FileChanges:
        if path not in self.files:
            source = self.view.file(path)
            if source is None:
                raise Unfixable(f"cannot parse {path}")
            self.files[path] = FileChanges(source)
        return self.files[path]

    def node_at(self, site: Site, what: str) -> tuple[SourceFile, cst.Call]:
        """The parsed file of a site and the call there; raises Unfixable("<what> not
        found") when there is none."""
        source = self.view.file(site.path)
        node = source.node_at(site) if source is not None else None
        if node is None:
            raise Unfixable(f"{what} not found")
        return source, node

    @property
    def safe(self) -> bool:
        return not self.consumers and not self.unknown_uses

    def finish(self, applicability: str, message: str) -> Fix:
        edits: list[Edit] = []
        for path in sorted(self.files):
            changes = self.files[path]
            pieces = changes.pieces()  # only the statements the fix changes, when it can
            if pieces is None:
                pieces = [(0, changes.source.text, changes.render())]
            for offset, old, new in pieces:  # a top-level statement compiles alone as in its file
                if new != old and not compiles(new, path) and compiles(old, path):
                    raise InvalidFix(path)
                edits.extend(diff_edits(path, old, new, changes.source.line_starts, offset))
        if not edits:
            raise Unfixable("nothing to change")
        return Fix(applicability, message, tuple(edits))

    def readers_note(self, what: str) -> str:
        """`; the output is also read at a.py:3 (`probs > 0.5`), ...` for the fix message."""
        places = [f"{display_path(c.site.path)}:{c.site.start.row} {c.text}" for c in self.consumers]
        places += [f"{display_path(s.path)}:{s.start.row} (criterion used on an input losslint cannot follow)" for s in self.unknown_uses]
        if not places:
            return ""
        shown = ", ".join(places[:4]) + (f" and {len(places) - 4} more" if len(places) > 4 else "")
        return f"; {what}: {shown}"
