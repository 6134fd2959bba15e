"""Apply fixes to in-memory sources, in rounds, until nothing more changes.

One fix can reveal another (LogSoftmax + CrossEntropyLoss becomes LogSoftmax + NLLLoss,
then the unstable `torch.log(softmax)` spelling shows), so each round re-checks the fixed
sources and applies the fixes found then, up to MAX_ROUNDS. A fix is applied whole or not
at all: all its edits, in every file it touches. Fixes whose edits overlap one already
chosen wait for the next round; a file that would stop compiling keeps its last good text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from losslint.core.findings import Edit, Finding, Fix
from losslint.fixes.source import apply_edits, compiles, line_starts, span

MAX_ROUNDS = 5

Lint = Callable[[dict[str, str]], list[Finding]]


@dataclass
class Applied:
    finding: Finding  # as reported before its fix
    fix: Fix


@dataclass
class Outcome:
    sources: dict[str, str]  # every source, fixed or not
    changed: dict[str, str]  # path -> fixed text, only the files that changed
    applied: list[Applied] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # what remains after fixing


def fix_sources(sources: dict[str, str], check: Lint, unsafe: bool = False, findings: list[Finding] | None = None) -> Outcome:
    """Fix `sources` (a whole project: {path: text}); `findings` are check(sources) when
    the caller has them already."""
    current = dict(sources)
    applied: list[Applied] = []
    if findings is None:
        findings = check(current)
    for _ in range(MAX_ROUNDS):
        chosen = _choose([f for f in findings if f.fixable(unsafe)], current)
        if not chosen:
            break
        updated, kept = _apply(current, chosen)
        if updated == current:
            break
        applied += kept
        current = updated
        findings = check(current)
    changed = {path: text for path, text in current.items() if text != sources.get(path)}
    return Outcome(current, changed, applied, findings)


def _choose(findings: list[Finding], sources: dict[str, str]) -> list[tuple[Finding, Fix]]:
    """Fixes whose edits do not overlap, first come first served (findings are sorted)."""
    taken: dict[str, list[tuple[int, int, str]]] = {}
    starts = {path: line_starts(text) for path, text in sources.items()}
    chosen = []
    for finding in findings:
        fix = finding.fix
        spans = []
        for edit in fix.edits:
            if edit.site.path not in sources:
                break
            begin, end = span(starts[edit.site.path], edit)
            spans.append((edit.site.path, begin, end, edit.content))
        else:
            if all(not _conflicts(taken.get(path, []), begin, end, content) for path, begin, end, content in spans):
                for path, begin, end, content in spans:
                    if (begin, end, content) not in taken.setdefault(path, []):
                        taken[path].append((begin, end, content))
                chosen.append((finding, fix))
    return chosen


def _conflicts(taken: list[tuple[int, int, str]], begin: int, end: int, content: str) -> bool:
    for other_begin, other_end, other_content in taken:
        if (other_begin, other_end, other_content) == (begin, end, content):
            continue  # the same edit (two findings share one fix): applied once
        if begin < other_end and other_begin < end:
            return True
        if begin == other_begin and (begin == end or other_begin == other_end):
            return True  # two insertions at one place: their order would be a guess
    return False


def _apply(sources: dict[str, str], chosen: list[tuple[Finding, Fix]]) -> tuple[dict[str, str], list[Applied]]:
    """Apply the chosen fixes; a fix that breaks compilation of a file is dropped (with
    every fix touching that file) and the rest applied again."""
    while chosen:
        edits: dict[str, list[Edit]] = {}
        for _finding, fix in chosen:
            for edit in fix.edits:
                if edit not in edits.setdefault(edit.site.path, []):
                    edits[edit.site.path].append(edit)
        updated = dict(sources)
        broken = set()
        for path, file_edits in edits.items():
            updated[path] = apply_edits(sources[path], file_edits)
            if not compiles(updated[path], path) and compiles(sources[path], path):
                broken.add(path)
        if not broken:
            return updated, [Applied(finding, fix) for finding, fix in chosen]
        chosen = [(f, x) for f, x in chosen if not any(e.site.path in broken for e in x.edits)]
    return sources, []
