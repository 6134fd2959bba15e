"""Sources -> the facts the analysis needs, and the analysis: the fast path of a check.

    1. prefilter.roots   which files must be parsed (text only)
    2. facts             from the cache, else parsed (workers.Runner: a process pool when
                         there is enough work), then stored in the cache
    3. analysis          analysis.analyze with every file's module table; when it resolves
                         an import to a file left unparsed (the model's definition imported
                         by train.py), that file is parsed and the analysis runs again,
                         until nothing is missing: the result is the one a parse of every
                         file would give
    4. syntax            every file still unparsed gets a cheap syntax check, so that
                         invalid-syntax is reported for every file, as before
    5. complete()        parses everything left, for callers that need the whole project
                         (fixes look for every use of a model's output)

With `prefilter=False` every file is parsed in step 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from losslint import analysis, prefilter, workers
from losslint.analysis.facts import FileFacts
from losslint.factcache import FactsCache, entry_key, loads
from losslint.progress import Progress


@dataclass
class RunOptions:
    jobs: int = 1  # worker processes; 1 = all in this process
    cache: FactsCache | None = None
    progress: Progress | None = None
    prefilter: bool = True


@dataclass
class Stats:
    files: int = 0
    parsed: int = 0  # files whose facts were computed or loaded
    syntax_checked: int = 0  # files only checked for syntax
    computed: int = 0  # tasks to run (cache misses)
    done: int = 0  # of those, finished
    cache_hits: int = 0
    rounds: int = 0  # analyses run (1 + on-demand loads)


@dataclass
class Collected:
    sources: dict[str, str]
    table: prefilter.ModuleTable
    facts: dict[str, FileFacts] = field(default_factory=dict)  # parsed, or failed to parse
    syntax_ok: set[str] = field(default_factory=set)  # checked, not parsed
    analysis: analysis.Analysis | None = None
    stats: Stats = field(default_factory=Stats)

    @property
    def complete(self) -> bool:
        return len(self.facts) == len(self.sources)

    def facts_list(self) -> list[FileFacts]:
        """Facts in the order of `sources` (the order a full parse would give)."""
        return [self.facts[path] for path in self.sources if path in self.facts]


def collect(sources: dict[str, str], options: RunOptions | None = None) -> Collected:
    options = options or RunOptions()
    collected = Collected(sources, prefilter.ModuleTable(list(sources)))
    collected.stats.files = len(sources)
    hint = _hint(sources, options.cache)
    if options.prefilter:
        scans = {path: prefilter.scan(source) for path, source in sources.items()}
        wanted = prefilter.roots(scans, collected.table, sources) | hint
    else:
        wanted = set(sources)
    try:
        with workers.Runner(options.jobs, expected=sum(map(len, sources.values()))) as runner:
            _run(collected, [workers.Task("facts", p, s) for p, s in sources.items() if p in wanted], options, runner)
            _analyze_until_complete(collected, options, runner)
            unparsed = [workers.Task("syntax", p, s) for p, s in sources.items() if p not in collected.facts]
            _run(collected, unparsed, options, runner)
            if _shadowed(collected, unparsed):
                _analyze_until_complete(collected, options, runner)
    finally:
        if options.progress is not None:
            options.progress.close()
    _save_hint(collected, options.cache, hint)
    return collected


def _hint_key(sources) -> str:
    return entry_key("parsed-files", "", (), "\n".join(sorted(sources)))


def _hint(sources: dict[str, str], cache: FactsCache | None) -> set[str]:
    """The files the last run over this same set of files ended up parsing (its roots and
    what the analysis loaded on demand): loading them at once saves the rounds of analysis
    that found them. Any superset of what the analysis needs gives the same result."""
    data = cache.get(_hint_key(sources)) if cache is not None else None
    try:
        return {path for path in data.decode().split("\n") if path in sources} if data else set()
    except UnicodeDecodeError:
        return set()


def _save_hint(collected: Collected, cache: FactsCache | None, previous: set[str]) -> None:
    if cache is not None and set(collected.facts) != previous:
        cache.put(_hint_key(collected.sources), "\n".join(sorted(collected.facts)).encode())


def complete(collected: Collected, options: RunOptions | None = None) -> Collected:
    """Parse every file not parsed yet and analyze again."""
    options = options or RunOptions()
    rest = [workers.Task("facts", p, s) for p, s in collected.sources.items() if p not in collected.facts]
    if rest:
        try:
            with workers.Runner(options.jobs, expected=sum(len(t.source) for t in rest)) as runner:
                _run(collected, rest, options, runner)
                _analyze_until_complete(collected, options, runner)
        finally:
            if options.progress is not None:
                options.progress.close()
        _save_hint(collected, options.cache, set())
    return collected


def _analyze_until_complete(collected: Collected, options: RunOptions, runner: workers.Runner) -> None:
    while True:
        collected.analysis = analysis.analyze(collected.facts_list(), _known(collected))
        collected.stats.rounds += 1
        missing = collected.analysis.project.missing - collected.facts.keys()
        if not missing:
            return
        _run(collected, [workers.Task("facts", p, collected.sources[p]) for p in sorted(missing)], options, runner)


def _shadowed(collected: Collected, checked: list[workers.Task]) -> bool:
    """Whether a file that turned out not to parse shares its module name with another
    file: the module tables the analysis used counted it (see _known), so run it again."""
    broken = [t.path for t in checked if t.path in collected.facts]
    names = [collected.table.info[p][0] for p in broken]
    return any(name and len(collected.table.by_name.get(name, ())) > 1 for name in names)


def _known(collected: Collected) -> tuple[dict, dict]:
    """Every file's (root, module) -> path and module -> paths, built exactly as Project
    builds them from parsed facts: in source order, files that fail to parse left out."""
    modules: dict[tuple[str, str], str] = {}
    by_name: dict[str, list[str]] = {}
    for path in collected.sources:
        facts = collected.facts.get(path)
        if facts is not None and facts.syntax_error is not None:
            continue
        module, root, _ = collected.table.info[path]
        if module:
            modules[(root, module)] = path
            by_name.setdefault(module, []).append(path)
    return modules, by_name


def _run(collected: Collected, tasks: list[workers.Task], options: RunOptions, runner: workers.Runner) -> None:
    """Fill collected.facts / syntax_ok from the cache or by running the tasks."""
    cache = options.cache
    keys: dict[str, str] = {}
    todo: list[workers.Task] = []
    stats = collected.stats
    for task in tasks:
        if cache is not None:
            key = keys[task.path] = entry_key(task.kind, task.path, collected.table.info[task.path], task.source)
            data = cache.get(key)
            if data is not None:
                try:
                    result = loads(data) if data else None
                except Exception:  # noqa: BLE001 - a corrupt entry is a miss, and gets rewritten
                    pass
                else:
                    stats.cache_hits += 1
                    _store(collected, task, result)
                    continue
        todo.append(task)

    def finished(task: workers.Task, result, data: bytes | None) -> None:
        _store(collected, task, result)
        stats.done += 1
        if cache is not None:
            cache.put(keys[task.path], data if data is not None else workers.encode(result))
        if options.progress is not None:
            options.progress.update(stats.done, stats.computed)

    stats.computed += len(todo)
    runner.run(todo, finished)


def _store(collected: Collected, task: workers.Task, result: FileFacts | None) -> None:
    if task.kind == "facts":
        collected.stats.parsed += 1
    else:
        collected.stats.syntax_checked += 1
    if result is None:
        collected.syntax_ok.add(task.path)
    else:
        collected.facts[task.path] = result
        collected.syntax_ok.discard(task.path)
