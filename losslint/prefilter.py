"""Which files need a full parse: a text prefilter that never costs recall.

Most files of a project cannot hold a mistake: a finding needs a loss (a loss class or
functional loss named somewhere) and a tensor whose producer is known (an activation, or
logits from a layer). The analyzer only ever starts from loss calls and from torch.log
calls, so the files it must see are the ones those calls can draw values from. A file is
a *root* (parsed whatever happens) when

  - it names a loss, or imports (directly or through other files) a file that names one:
    its calls may be loss calls, and it may call, construct or subclass what is in there
    (a train.py whose criterion comes from `build_loss()` has no loss word of its own);
  - it says `log`, and names an activation or imports a file that does (LL105/LL206 on
    `torch.log(model(x))`).

Everything else is parsed only when the analysis of a parsed file resolves an import to
it (the model's definition in models.py, with nothing but nn.Linear in it):
losslint/collect.py does that, transitively, through analysis.project's `missing`.

"Imports" here is read from the text with regular expressions, and over-approximated
(every submodule of an imported package counts), so the roots are a superset of what the
analysis could reach backwards. The words come from torch_api's tables, so a name the
analyzer learns is a trigger word at once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from losslint.analysis import torch_api


def _words(table_names: list[str]) -> frozenset[str]:
    found: set[str] = set()
    for name in table_names:
        table = getattr(torch_api, name)
        items = list(table.items()) if isinstance(table, dict) else [(item, None) for item in table]
        for key, value in items:
            for text in (key, value):
                if isinstance(text, str) and text:
                    found.add(text.rsplit(".", 1)[-1])
    return frozenset(found)


def _tables(predicate) -> list[str]:
    return [
        name
        for name, value in vars(torch_api).items()
        if name.isupper() and isinstance(value, (dict, set, frozenset)) and predicate(name)
    ]


# LOSS_CLASSES, LOSS_FUNCTIONS, ... / ACTIVATION_LAYERS, ..., LOG_OF / LOG_FUNCTIONS, LOG_METHODS
LOSS_WORDS = _words(_tables(lambda name: "LOSS" in name))
ACTIVATION_WORDS = _words(_tables(lambda name: "ACTIVATION" in name or name == "LOG_OF"))
LOG_WORDS = _words(_tables(lambda name: name.startswith("LOG_") and name != "LOG_OF"))


def _minimal(words: frozenset[str]) -> tuple[str, ...]:
    """Drop words that contain another word: `softmax in text` covers log_softmax."""
    return tuple(sorted(w for w in words if not any(o != w and o in w for o in words)))


def _pattern(words: frozenset[str]) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")\b")


_LOSS_SUBSTRINGS = _minimal(LOSS_WORDS)
_ACTIVATION_SUBSTRINGS = _minimal(ACTIVATION_WORDS)
_LOSS_RE = _pattern(LOSS_WORDS)
_ACTIVATION_RE = _pattern(ACTIVATION_WORDS)
_LOG_RE = _pattern(LOG_WORDS)

# Import statements, also after `;` or `if x:` on one line; backslash continuations kept.
_FROM_RE = re.compile(
    r"(?:^|[;:])[ \t]*from[ \t]+(\.*)[ \t]*([\w.]*)[ \t]+import[ \t]*(\([^)]*\)|(?:[^\n;#\\]|\\.|\\\n)*)",
    re.MULTILINE,
)
_IMPORT_RE = re.compile(r"(?:^|[;:])[ \t]*import[ \t]+((?:[^\n;#\\]|\\.|\\\n)*)", re.MULTILINE)
_COMMENT_RE = re.compile(r"#[^\n]*")


@dataclass(frozen=True)
class Import:
    """One imported name, as text: `from ..pkg import sub` is Import(2, "pkg", "sub")."""

    level: int
    module: str
    name: str  # "" for `import a.b`, "*" for a star import
    alias: bool = False  # `import a.b as m` binds a.b itself, not just `a`


@dataclass(frozen=True)
class Scan:
    loss: bool  # names a loss class or functional loss
    activation: bool  # names an activation
    log: bool  # says log/log_ (torch.log, x.log())
    imports: tuple[Import, ...]


def scan(source: str) -> Scan:
    loss = any(w in source for w in _LOSS_SUBSTRINGS) and _LOSS_RE.search(source) is not None
    activation = any(w in source for w in _ACTIVATION_SUBSTRINGS) and _ACTIVATION_RE.search(source) is not None
    log = "log" in source and _LOG_RE.search(source) is not None
    return Scan(loss, activation, log, tuple(_imports(source)) if "import" in source else ())


def _imports(source: str) -> list[Import]:
    found: list[Import] = []
    for match in _FROM_RE.finditer(source):
        dots, module, names = match.groups()
        for name, _ in _names(names):
            found.append(Import(len(dots), module, name))
    for match in _IMPORT_RE.finditer(source):
        for name, aliased in _names(match.group(1)):
            found.append(Import(0, name, "", alias=aliased))
    return found


def _names(text: str) -> list[tuple[str, bool]]:
    """'(a as b,\\n c.d)' -> [('a', True), ('c.d', False)]."""
    text = _COMMENT_RE.sub("", text).replace("\\\n", " ").strip().strip("()")
    names = []
    for part in text.split(","):
        words = part.split()
        if words and (words[0] == "*" or words[0].replace(".", "").isidentifier()):
            names.append((words[0], "as" in words[1:]))
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
        self.modules: dict[tuple[str, str], str] = {}  # (root, module) -> path, like Project's
        self.by_name: dict[str, list[str]] = defaultdict(list)
        self.under: dict[str, list[str]] = defaultdict(list)  # "a.b" -> files of a.b and a.b.*
        for path, (module, root, _) in self.info.items():
            if not module:
                continue
            self.modules[(root, module)] = path
            self.by_name[module].append(path)
            parts = module.split(".")
            for cut in range(1, len(parts) + 1):
                self.under[".".join(parts[:cut])].append(path)

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

    def targets(self, item: Import, origin: str) -> set[str]:
        """Every file an import could make the analysis look at (over-approximated)."""
        start = self.absolute(item, origin)
        if not start:
            return set()
        found: set[str] = set()
        parts = start.split(".")
        for cut in range(len(parts), 0, -1):  # the module itself, or its nearest package
            paths = self.by_name.get(".".join(parts[:cut]))
            if paths:
                found.update(paths)
                break
        if item.name == "*":
            return found
        if item.name:
            found.update(self.under.get(f"{start}.{item.name}", ()))
        else:  # `import a.b` binds `a`: any a.x.y may be reached by attribute access
            found.update(self.under.get(start if item.alias else parts[0], ()))
        return found


def roots(scans: dict[str, Scan], table: ModuleTable) -> set[str]:
    """The files that must be parsed whatever the analysis of others finds (see above)."""
    importers: dict[str, set[str]] = defaultdict(set)  # file -> files that import it
    for path, found in scans.items():
        for item in found.imports:
            for target in table.targets(item, path):
                if target != path:
                    importers[target].add(path)
    reach_loss = _upstream({p for p, s in scans.items() if s.loss}, importers)
    reach_activation = _upstream({p for p, s in scans.items() if s.activation}, importers)
    return reach_loss | {p for p in reach_activation if scans[p].log}


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
