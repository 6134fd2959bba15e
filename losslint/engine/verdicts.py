"""Incremental checks: replay the last run's findings when no edit since can change them.

A check's findings (before `noqa`, with their fixes) are a function of what the run read
of each file, and a run reads a file in one of three ways (its *aspect*):

    "text"    the text itself: a finding or a related site is in the file (messages quote
              it; `noqa` comments beside it decide which findings keep their fix), or a
              fix read it (fixes parse and tokenize the files they look at)
    "facts"   only its facts (analysis.file_facts, or a "syntax" task's result): the
              analysis links facts, never text
    "plan"    neither: the prefilter read its text and left it unparsed. What it read is
              the file's part in the plan (loss and log words, the register/configure/
              instantiate flags, the files its imports can reach), whether it parses,
              and which of the names the run looked for it calls (plan_digest)

A run's Record keeps the findings and, for every file, the digest of its text and of the
aspect read. It is stored under the key of the run's *shape*: losslint's code, the
settings, and every file's path and module name (a new, deleted or renamed file changes
which module an import resolves to: a different key, a full run).

The next check over the same shape replays the Record when every file is unchanged or
changed only where the run did not look: a file read as facts is parsed again and its
facts compared (a comment, a blank line, a docstring edit that keeps every position);
a file read as plan is scanned again and syntax-checked. Anything else runs the check
anew (and records it). This is salsa's "early cutoff" at file granularity: recording is
generic over what the facts hold (the digest is of the facts' pickled bytes, whatever
fields analysis/ gives them), and the exactness suite (tests/engine/test_incremental.py)
compares every replay with a cold run.

Why it is exact: a run is deterministic in what it reads; the prefilter's plan for a
file depends only on what the "plan" aspect digests, and the result of a run equals a
parse of every file (docs/performance.md), whatever else a changed plan parses.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import re
from collections.abc import Mapping
from dataclasses import dataclass

from losslint.core.findings import Finding
from losslint.engine import prefilter, workers
from losslint.engine.factcache import FactsCache, entry_key

_RECORD = "verdicts-v3"


class Reading(Mapping):
    """Sources that remember which files' text was read (Snippets, fixes)."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources
        self.read: set[str] = set()

    def __getitem__(self, path: str) -> str:
        text = self.sources[path]
        self.read.add(path)
        return text

    def __contains__(self, path: object) -> bool:
        return path in self.sources

    def __iter__(self):
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)


@dataclass
class Record:
    findings: list[Finding]  # before noqa; no origin
    # path -> (text digest, aspect, aspect digest, length of the text, parsed cleanly)
    files: dict[str, tuple[bytes, str, bytes, int, bool]]
    # Every callee name the run looked for in unparsed files' texts (collect.Collected.
    # asked_names): of an unparsed file's call names, only these were read.
    asked: frozenset[str] = frozenset()


# Lines that are blank or only a comment, to the end of the text (see _appended_comments).
_COMMENT_LINES = re.compile(r"(?:[ \t\f]*(?:#[^\r\n]*)?(?:\r\n|\r|\n))*[ \t\f]*(?:#[^\r\n]*)?")


def text_digest(source: str) -> bytes:
    return hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def data_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def shape_key(table: prefilter.ModuleTable, settings_text: str) -> str:
    """The key of a run's shape: every file's path and module, and the settings."""
    shape = "\n".join(f"{path}\0{table.info[path]!r}" for path in sorted(table.info))
    return entry_key(_RECORD, "", (), f"{shape}\0{settings_text}")


def plan_digest(path: str, source: str, table: prefilter.ModuleTable, asked: frozenset[str],
                known: prefilter.Scan | None = None, imported: set[str] | None = None) -> bytes:
    """What a run reads of a file it left unparsed: the prefilter's scan (loss and log
    words, whether it registers, configures or instantiates by name: prefilter.plan makes
    such files roots; the files its imports reach, as the import graph has them) and, of
    the names it may call, those the run looked for (`asked`: collect._calling only asks
    whether a file calls one of them). A new call of a name nobody looked for is no reason
    to run again. `known`, `imported`: the run's own scan and graph edges of the file
    (collect.Collected.scans, ParsePlan.imported), not computed again."""
    found = known if known is not None else prefilter.scan(source)
    if imported is None:
        imported = {target for item in found.imports for target in table.targets(item, path, source)}
    called = sorted(prefilter.call_names(source) & asked) if asked else []
    text = repr((found.loss, found.log, found.registers, found.configures, found.instantiates,
                 sorted(imported - {path}), called))
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def record(findings: list[Finding], sources: dict[str, str], table, digests: dict, text_read: set[str], clean: set[str],
           asked: set[str] = frozenset(), scans: dict | None = None, plan: prefilter.ParsePlan | None = None) -> Record:
    """The Record of a full run: `digests` holds each parsed file's (task kind, facts
    digest) (collect.Collected.digests); `text_read` the files whose text was read;
    `clean` the parsed files without a syntax error; `asked` the callee names looked for
    in unparsed files (collect.Collected.asked_names); `scans` and `plan` the prefilter's,
    when the run had them."""
    asked = frozenset(asked)
    scans = scans or {}
    bare = [dataclasses.replace(f, origin=None) for f in findings]
    text_read = set(text_read)
    for finding in bare:
        text_read.add(finding.site.path)
        text_read.update(r.site.path for r in finding.related)
        if finding.fix is not None:
            text_read.update(edit.site.path for edit in finding.fix.edits)
    files = {}
    for path, source in sources.items():
        if path in text_read:
            files[path] = (text_digest(source), "text", b"", len(source), False)
        elif path in digests:
            kind, digest = digests[path]
            files[path] = (text_digest(source), kind, digest, len(source), path in clean)
        else:
            imported = plan.imported.get(path, set()) if plan is not None and path in scans else None
            digest = plan_digest(path, source, table, asked, scans.get(path), imported)
            files[path] = (text_digest(source), "plan", digest, len(source), True)
    return Record(bare, files, asked)


def save(cache: FactsCache, key: str, value: Record) -> None:
    cache.put(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def load(cache: FactsCache, key: str) -> Record | None:
    data = cache.get(key)
    if data is None:
        return None
    try:
        value = pickle.loads(data)
    except Exception:  # noqa: BLE001 - a corrupt entry is a miss; the run rewrites it
        return None
    return value if isinstance(value, Record) else None


def replay(found: Record, sources: dict[str, str], table, cache: FactsCache) -> list[Finding] | None:
    """The recorded findings (before noqa) if no file changed where the run read it, else
    None. Updates `found` to the current texts (the caller saves it)."""
    if found.files.keys() != sources.keys():
        return None
    changed = {}
    for path, source in sources.items():
        digest, aspect, read, length, clean = found.files[path]
        current = text_digest(source)
        if current == digest:
            continue
        if aspect == "text":
            return None
        if not (aspect == "facts" and _appended_comments(source, digest, length, clean)):
            if _aspect(aspect, path, source, table, cache, found.asked) != read:
                return None
        changed[path] = (current, aspect, read, len(source), clean)
    found.files.update(changed)
    return [dataclasses.replace(f) for f in found.findings]


def _appended_comments(source: str, digest: bytes, length: int, clean: bool) -> bool:
    """Whether `source` is the recorded text (parsed cleanly, ending with a newline)
    followed only by blank and comment lines. Its facts are then the recorded ones: the
    lines add no token but comments and newlines, and move nothing. Checked without
    libcst (whose import alone costs more than the rest of a replay), so appending a
    note to a file costs no parse of it; any other comment edit costs one."""
    if not clean or len(source) <= length or source[length - 1 : length] not in ("\n", "\r"):
        return False
    return _COMMENT_LINES.fullmatch(source, length) is not None and text_digest(source[:length]) == digest


def _aspect(aspect: str, path: str, source: str, table, cache: FactsCache, asked: frozenset[str]) -> bytes | None:
    if aspect == "plan":
        if workers.run_task(workers.Task("syntax", path, source)) is not None:
            return None  # it no longer parses: run anew
        return plan_digest(path, source, table, asked)
    key = entry_key(aspect, path, table.info[path], source)
    data = cache.get(key)
    if data is None:
        data = workers.encode(workers.run_task(workers.Task(aspect, path, source)))
        cache.put(key, data)
    return data_digest(data)
