"""Which files need a full parse: a text prefilter that never costs recall.

Most files of a project cannot hold a mistake: a finding needs a loss (a loss class or
functional loss named somewhere) and a tensor whose producer is known (an activation, or
logits from a layer). The analyzer only ever starts from loss calls and from torch.log
calls, so the files it must see are the ones those calls can draw values from. A file is
a *root* (parsed whatever happens) when

  - it names a loss, or imports (directly or through other files) a file that names one:
    its calls may be loss calls, and it may call, construct or subclass what is in there
    (a train.py whose criterion comes from `build_loss()` has no loss word of its own);
  - it takes the log of a tensor (torch.log(p), p.log()): LL105/LL206 and the
    hand-written losses LL501/LL502 start there;
  - it registers a class or function by name (`@MODELS.register_module()`,
    `@register("x")`): a registry lookup (analysis/registry.py) can return what is in it,
    and nothing imports it by name. Unless the project has more than
    MAX_REGISTERING_FILES of them (a zoo of hundreds of models, as in timm): those files
    are then parsed only when an import leads to them.

Everything else is parsed only when the analysis of parsed files asks for it: when it
resolves an import to it (the model's definition in models.py, with nothing but nn.Linear
in it), or, for a file that imports (directly or not) a file taking a log, when the
analysis looks for the callers of a function or the constructions of a class that the
file calls by name (train.py passing the model's output to losses.binary_ce(p, y)).
Callers of the loss side need no such care: whoever calls into a file that names a loss
imports it, so is a root already. losslint/engine/collect.py does the loading, transitively,
through analysis.project's `missing` and `calls_by_callee.asked`.

"Imports" here is read from the text with regular expressions, and over-approximated
(a module name counts under every import root; a package's submodules count when the
file reads them through it: `pl.demos.lstm`), so the roots are a superset of what the
analysis could reach backwards. The words come from torch_api's tables, so a name the
analyzer learns is a trigger word at once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path


def _words(torch_api, table_names: list[str]) -> frozenset[str]:
    found: set[str] = set()
    for name in table_names:
        table = getattr(torch_api, name)
        items = list(table.items()) if isinstance(table, dict) else [(item, None) for item in table]
        for key, value in items:
            for text in (key, value):
                if isinstance(text, str) and text:
                    found.add(text.rsplit(".", 1)[-1])
    return frozenset(found)


def _tables(torch_api, predicate) -> list[str]:
    return [
        name
        for name, value in vars(torch_api).items()
        if name.isupper() and isinstance(value, (dict, set, frozenset)) and predicate(name)
    ]


def _minimal(words: frozenset[str]) -> tuple[str, ...]:
    """Drop words that contain another word: finding `softmax` covers log_softmax."""
    return tuple(sorted(w for w in words if not any(o != w and o in w for o in words)))


@dataclass(frozen=True)
class Vocabulary:
    """The words of analysis/torch_api.py that a scan looks for in a file's text."""

    loss_words: frozenset[str]  # LOSS_CLASSES, LOSS_FUNCTIONS, ...
    activation_words: frozenset[str]  # ACTIVATION_LAYERS, ACTIVATION_FUNCTIONS, ..., LOG_OF
    loss_substrings: tuple[str, ...]
    activation_substrings: tuple[str, ...]
    log_owners: frozenset[str]
    log_re: re.Pattern


@cache
def vocabulary() -> Vocabulary:
    """Built on the first scan: importing torch_api runs the analysis package's __init__,
    which a check with no candidate file must not pay for (start-up, issue 14)."""
    from losslint.analysis import torch_api

    losses = _words(torch_api, _tables(torch_api, lambda name: "LOSS" in name))
    activations = _words(torch_api, _tables(torch_api, lambda name: "ACTIVATION" in name or name == "LOG_OF"))
    # What the analyzer takes for a log (torch_api.LOG_FUNCTIONS / LOG_METHODS): see _has_log.
    log_owners = frozenset(name.rsplit(".", 2)[-2] for name in torch_api.LOG_FUNCTIONS if "." in name)
    log_names = sorted({n.rsplit(".", 1)[-1] for n in torch_api.LOG_FUNCTIONS} | set(torch_api.LOG_METHODS), key=len, reverse=True)
    log_re = re.compile(r"(?:" + "|".join(map(re.escape, log_names)) + r")\b")
    return Vocabulary(losses, activations, _minimal(losses), _minimal(activations), log_owners, log_re)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _has_word(source: str, words: frozenset[str], needles: tuple[str, ...]) -> bool:
    """Whether one of `words` occurs as a whole word. str.find runs in C; a regex
    alternation with \\b would cost ten times more on a large tree."""
    for needle in needles:
        at = source.find(needle)
        while at >= 0:
            start = at
            while start > 0 and _is_word_char(source[start - 1]):
                start -= 1
            end = at + len(needle)
            while end < len(source) and _is_word_char(source[end]):
                end += 1
            if source[start:end] in words:
                return True
            at = source.find(needle, end)
    return False


# What the analyzer takes for a log (torch_api.LOG_FUNCTIONS / LOG_METHODS), in text:
#   torch.log(p), torch.special.log(p), T.log(p) after `import torch as T`, f = torch.log
#   p.log(), p.log_()          (the tensor methods take no argument: self.log("loss", v),
#                               math.log(x) and logger.log(...) are not these)
#   log(p)                     after `from torch import log`
_NOT_TENSORS = frozenset({"self", "math", "cmath", "np", "numpy", "logging", "logger", "log"})
_TORCH_ALIAS_RE = re.compile(r"import[ \t]+torch(?:\.special)?[ \t]+as[ \t]+(\w+)")
_LOG_IMPORT_RE = re.compile(r"from[ \t]+torch(?:\.special)?[ \t]+import[^\n]*\blog\b")


def _has_log(source: str) -> bool:
    words = vocabulary()
    owners: set[str] | None = None
    for match in words.log_re.finditer(source):
        start, end = match.span()
        before = source[start - 1] if start else ""
        if before == ".":
            owner = start - 1
            while owner > 0 and _is_word_char(source[owner - 1]):
                owner -= 1
            name = source[owner : start - 1]
            if owners is None:
                owners = set(words.log_owners) | set(_TORCH_ALIAS_RE.findall(source))
            if name in owners:
                return True
            if name not in _NOT_TENSORS and source[end : end + 20].replace(" ", "").startswith("()"):
                return True
        elif not _is_word_char(before) and source[end : end + 20].lstrip().startswith("("):
            if source[max(0, start - 4) : start] != "def " and _LOG_IMPORT_RE.search(source):
                return True
    return False


# An import statement from its first word: `from ..a.b import (c, d)` or `import a.b as m, c`.
_FROM_RE = re.compile(r"from[ \t]+(\.*)[ \t]*([\w.]*)(?:[ \t]|\\\n)+import[ \t]*(\([^)]*\)|(?:[^\n;#\\]|\\.|\\\n)*)")
_IMPORT_RE = re.compile(r"import[ \t]+((?:[^\n;#\\]|\\.|\\\n)*)")
_COMMENT_RE = re.compile(r"#[^\n]*")


@dataclass(frozen=True)
class Import:
    """One imported name, as text: `from ..pkg import sub as s` is
    Import(level=2, module="pkg", name="sub", local="s")."""

    level: int
    module: str
    name: str  # "" for `import a.b`, "*" for a star import
    alias: bool = False  # `import a.b as m` binds a.b itself, not just `a`
    local: str = ""  # the name it binds in the importing file


@dataclass(frozen=True)
class Scan:
    loss: bool  # names a loss class or functional loss
    log: bool  # takes the log of a tensor (torch.log(p), p.log())
    imports: tuple[Import, ...]
    registers: bool = False  # decorates something with a register* decorator
    configures: bool = False  # a Python config: dict(type="X", ...) (mmcv style)
    instantiates: bool = False  # calls Hydra's instantiate(...)
    source: str = field(default="", repr=False, compare=False)

    @property
    def activation(self) -> bool:
        """Names an activation. No root depends on it any more, so it is looked for only
        when asked (a quarter of a scan's time)."""
        words = vocabulary()
        return _has_word(self.source, words.activation_words, words.activation_substrings)


def scan(source: str) -> Scan:
    words = vocabulary()
    loss = _has_word(source, words.loss_words, words.loss_substrings)
    return Scan(
        loss, _has_log(source), tuple(_imports(source)), source=source,
        registers=_REGISTER_RE.search(source) is not None,
        configures=_CONFIG_RE.search(source) is not None,
        instantiates="instantiate(" in source,
    )


# A decorator that registers by name: @register("x"), @MODELS.register_module(), @register_model.
_REGISTER_RE = re.compile(r"^[ \t]*@[\w.]*(?:register|Register|REGISTER)", re.MULTILINE)
# A Python config's entry: dict(type="Net", ...) or {"type": "Net", ...}.
_CONFIG_RE = re.compile(r"""\bdict\(\s*type\s*=|["']type["']\s*:""")
# More files registering something than this: a zoo; they are parsed only when imported.
# The same bound holds for Python config files (parsed for the types they give a model).
MAX_REGISTERING_FILES = 100


def _imports(source: str) -> list[Import]:
    """Every import statement, found from each occurrence of the word `import` (a
    statement starts a line, possibly continued with a backslash, or follows `;`/`:`)."""
    found: list[Import] = []
    seen: set[int] = set()
    at = source.find("import")
    while at >= 0:
        for start in _statement_starts(source, at):
            if start in seen:
                break
            match = _FROM_RE.match(source, start) or _IMPORT_RE.match(source, start)
            if match is None or not match.start() <= at < match.end():
                continue
            seen.add(start)
            if match.re is _FROM_RE:
                dots, module, names = match.groups()
                found.extend(Import(len(dots), module, name, False, local or name) for name, local in _names(names))
            else:
                for name, local in _names(match.group(1)):
                    found.append(Import(0, name, "", local is not None, local or name.split(".")[0]))
            break
        at = source.find("import", at + 6)
    return found


_CHAIN_RE = re.compile(r"(?:\.[^\W\d]\w*)+")


def chains(source: str, name: str) -> set[str]:
    """The attribute paths read from `name` in a file: {"demos.transformer"} for
    `pl.demos.transformer.Transformer()`, `pl` being an imported package."""
    found: set[str] = set()
    at = source.find(name + ".")
    while at >= 0:
        if at == 0 or not (_is_word_char(source[at - 1]) or source[at - 1] == "."):
            match = _CHAIN_RE.match(source, at + len(name))
            if match:
                found.add(match.group()[1:])
        at = source.find(name + ".", at + 1)
    return found


def _statement_starts(source: str, at: int) -> list[int]:
    """Where the statement holding position `at` may start, nearest first."""
    line = source.rfind("\n", 0, at) + 1
    while line >= 2 and source[line - 2] == "\\":  # a continued line: the statement began above
        line = source.rfind("\n", 0, line - 1) + 1
    starts = [line]
    for index in range(line, at):
        if source[index] in ";:":
            starts.append(index + 1)
    starts = [_skip_blanks(source, s) for s in reversed(starts)]
    return starts


def _skip_blanks(source: str, index: int) -> int:
    while index < len(source) and source[index] in " \t":
        index += 1
    return index


def _names(text: str) -> list[tuple[str, str | None]]:
    """'(a as b,\\n c.d)' -> [('a', 'b'), ('c.d', None)]: (name, the alias it is bound to)."""
    text = _COMMENT_RE.sub("", text).replace("\\\n", " ").strip().strip("()")
    names = []
    for part in text.split(","):
        words = part.split()
        if words and (words[0] == "*" or words[0].replace(".", "").isidentifier()):
            alias = words[2] if len(words) >= 3 and words[1] == "as" else None
            names.append((words[0], alias))
    return names


# --- module names ----------------------------------------------------------------------------


def module_info(path: str, chains: dict[str, tuple[list[str], str]] | None = None) -> tuple[str, str, bool]:
    """(module, root, is_package) of a path, exactly as analysis.file_facts computes them
    (project.module_name for a file, the stem for a path that does not exist), with the
    __init__.py chain of each directory looked up once per run."""
    candidate = Path(path)
    if not candidate.is_file():
        return candidate.stem, str(candidate.parent), candidate.stem == "__init__"
    resolved = candidate.resolve()
    is_package = resolved.stem == "__init__"
    chain, root = _chain(resolved.parent, {} if chains is None else chains)
    parts = chain if is_package else [*chain, resolved.stem]
    return ".".join(parts), root, is_package


def _chain(directory: Path, chains: dict[str, tuple[list[str], str]]) -> tuple[list[str], str]:
    key = str(directory)
    if key not in chains:
        if (directory / "__init__.py").is_file() and directory.parent != directory:
            parts, root = _chain(directory.parent, chains)
            chains[key] = ([*parts, directory.name], root)
        else:
            chains[key] = ([], key)
    return chains[key]


class ModuleTable:
    """Every file of the run by module name, parsed or not."""

    def __init__(self, paths: list[str]) -> None:
        chains: dict[str, tuple[list[str], str]] = {}
        self.info: dict[str, tuple[str, str, bool]] = {p: module_info(p, chains) for p in paths}
        self.by_name: dict[str, list[str]] = defaultdict(list)
        for path, (module, root, _) in self.info.items():
            if not module:
                continue
            self.by_name[module].append(path)

    def absolute(self, item: Import, origin: str) -> str:
        """The absolute dotted module an import starts from (relative levels resolved)."""
        if item.level == 0:
            return item.module
        module, _, is_package = self.info.get(origin, ("", "", False))
        if not module:
            return ""
        package = module.split(".")
        if not is_package:
            package = package[:-1]
        package = package[: max(len(package) - (item.level - 1), 0)]
        return ".".join([*package, item.module]) if item.module else ".".join(package)

    def targets(self, item: Import, origin: str, source: str) -> set[str]:
        """Every file an import could make the analysis look at: the module it starts
        from (or its nearest package), the module it binds, and the submodules read
        through it. Over-approximated: every file of a name, under any import root."""
        start = self.absolute(item, origin)
        if not start:
            return set()
        found: set[str] = set()
        parts = start.split(".")
        for cut in range(len(parts), 0, -1):
            paths = self.by_name.get(".".join(parts[:cut]))
            if paths:
                found.update(paths)
                break
        if item.name == "*":
            return found
        if item.name:
            bound = f"{start}.{item.name}"
        else:  # `import a.b` binds a (its chains read a.b.x); `import a.b as m` binds a.b
            bound = start if item.alias else parts[0]
        bound_paths = self.by_name.get(bound, ())
        found.update(bound_paths)
        if any(self.info[p][2] for p in bound_paths):  # a package: its submodules, as read
            for chain in chains(source, item.local):
                names = chain.split(".")
                for cut in range(1, len(names) + 1):
                    found.update(self.by_name.get(".".join([bound, *names[:cut]]), ()))
        return found


@dataclass
class ParsePlan:
    """Which files a check parses, and the import graph that decides the rest."""

    roots: set[str]  # parsed whatever happens
    log_callers: set[str]  # may call into a file that takes a log: parsed if they call a
    # function or class whose callers the analysis looks for (see losslint/engine/collect.py)
    # The import graph, as read from the text (over-approximated, see ModuleTable.targets):
    importers: dict[str, set[str]] = field(default_factory=dict)  # file -> files importing it
    imported: dict[str, set[str]] = field(default_factory=dict)  # file -> files it imports

    def upstream(self, start: set[str]) -> set[str]:
        """`start` and every file that imports one of them, directly or not: every file
        that can reach what they define (a model, a criterion) through its imports."""
        return _upstream(start, self.importers)

    def downstream(self, start: set[str]) -> set[str]:
        """`start` and every file they import, directly or not: every file the analysis
        of `start` can resolve an import to."""
        return _upstream(start, self.imported)


def plan(scans: dict[str, Scan], table: ModuleTable, sources: dict[str, str], configs: bool = False) -> ParsePlan:
    """Which files are roots (see above), and which may be calling contexts of a log.
    `configs`: the project has YAML files with `_target_`s: the files that instantiate
    them are roots (the criterion may be named only in the YAML)."""
    importers: dict[str, set[str]] = defaultdict(set)  # file -> files that import it
    imported: dict[str, set[str]] = defaultdict(set)  # file -> files it imports
    for path, found in scans.items():
        for item in found.imports:
            for target in table.targets(item, path, sources[path]):
                if target != path:
                    importers[target].add(path)
                    imported[path].add(target)
    logs = {p for p, s in scans.items() if s.log}
    roots = _upstream({p for p, s in scans.items() if s.loss}, importers) | logs
    registering = {p for p, s in scans.items() if s.registers}
    if len(registering) <= MAX_REGISTERING_FILES:
        roots |= registering
        configuring = {p for p, s in scans.items() if s.configures}
        if registering and len(configuring) <= MAX_REGISTERING_FILES:
            roots |= configuring
    if configs:
        roots |= {p for p, s in scans.items() if s.instantiates}
    return ParsePlan(roots, _upstream(logs, importers) - roots, dict(importers), dict(imported))


def roots(scans: dict[str, Scan], table: ModuleTable, sources: dict[str, str]) -> set[str]:
    return plan(scans, table, sources).roots


# `name(` where a call's callee name is `name` (f(x), obj.f(x), f(a)(b)); not `def name(`.
_CALL_NAME_RE = re.compile(r"(?<!def )(?<!class )\b([^\W\d]\w*)\s*\(")


def call_names(source: str) -> frozenset[str]:
    """Every name a call in the file may be a call of (a superset: strings and comments
    count too)."""
    return frozenset(_CALL_NAME_RE.findall(source))


def _upstream(start: set[str], importers: dict[str, set[str]]) -> set[str]:
    """`start` and every file that imports one of them, directly or not."""
    seen = set(start)
    stack = list(start)
    while stack:
        for importer in importers.get(stack.pop(), ()):
            if importer not in seen:
                seen.add(importer)
                stack.append(importer)
    return seen
