"""Sources -> the facts the analysis needs, and the analysis: the fast path of a check
(docs/performance.md tells the whole story).

    1. prefilter.plan    which files are parsed whatever happens (text only)
    2. facts             from the cache, else parsed (workers.Runner: a process pool when
                         there is enough work), then stored in the cache
    3. analysis          analysis.analyze with every file's module table. When it resolves
                         an import to a file left unparsed (the model's definition imported
                         by train.py), or, analyzing a log, looks for callers that a file
                         left unparsed may hold (its text calls that name), those files are
                         parsed and the analysis runs again, until nothing is missing: the
                         result is the one a parse of every file gives
    4. syntax            every file still unparsed gets a cheap syntax check, so that
                         invalid-syntax is reported for every file, as before
    5. more(), load()    for the caller: parse what later steps' lookups landed on, or the
                         files that may use what a fix changes (users(): the importers of
                         the files a model or criterion comes from; fixes look for every
                         use of a model's output), and analyze again

With `prefilter=False` every file is parsed in step 2. The cache also keeps the files the
last run parsed (loaded at once next time) and clean-project stamps (known_clean).

When the files the roots import (directly or not) are few beside the roots, they are parsed
with the roots (see PREFETCH_SHARE): an analysis of a large project costs more than parsing
a few small files, and each file found missing would cost one more analysis.

One workers.Runner may serve a whole check (the `runner` arguments): its pool of processes
is then forked once, while this process is still small, not again from a process that holds
every file's facts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from losslint.engine import prefilter, verdicts, workers
from losslint.engine.factcache import FactsCache, entry_key, loads
from losslint.engine.progress import Progress

if TYPE_CHECKING:  # the analysis package is imported when a file is analysed (start-up, issue 14)
    from losslint import analysis
    from losslint.analysis.facts import FileFacts


@dataclass
class RunOptions:
    jobs: int = 1  # worker processes; 1 = all in this process
    cache: FactsCache | None = None
    progress: Progress | None = None
    prefilter: bool = True
    # Reuse the findings of an identical earlier run (same files, settings, losslint). Off
    # when the caller needs what the analysis found (fixes, the tracer): findings from the
    # cache carry no `origin`.
    reuse_results: bool = False


@dataclass
class Stats:
    files: int = 0
    parsed: int = 0  # files whose facts were computed or loaded
    syntax_checked: int = 0  # files only checked for syntax
    computed: int = 0  # tasks to run (cache misses)
    done: int = 0  # of those, finished
    cache_hits: int = 0
    rounds: int = 0  # analyses run (1 + on-demand loads)
    prefetched: int = 0  # files parsed ahead because the roots import them (PREFETCH_SHARE)


# Files the parsed ones import (directly or not) are parsed ahead, all at once, when they
# are at most 1/PREFETCH_SHARE of the parsed source text: parsing them costs less than the
# rounds of analysis that would find them one import at a time (torch: the roots are 48 MB,
# what they import besides 1.1 MB; each round of analysis costs about 10 s).
PREFETCH_SHARE = 20


@dataclass
class Collected:
    sources: dict[str, str]
    table: prefilter.ModuleTable
    facts: dict[str, FileFacts] = field(default_factory=dict)  # parsed, or failed to parse
    syntax_ok: set[str] = field(default_factory=set)  # checked, not parsed
    plan: prefilter.ParsePlan | None = None  # the prefilter's import graph (None without it)
    scans: dict[str, prefilter.Scan] = field(default_factory=dict)  # the prefilter's, by path (engine/verdicts)
    call_names: dict[str, frozenset[str]] = field(default_factory=dict)  # of unparsed files, once read
    # Every callee name looked for in unparsed files' texts (_calling): engine/verdicts
    # reads only these of an unparsed file's call names.
    asked_names: set[str] = field(default_factory=set)
    analysis: analysis.Analysis | None = None
    stats: Stats = field(default_factory=Stats)
    found_nothing: bool = False  # set by the caller that judged the analysis
    configs: list = field(default_factory=list)  # the YAML files' `_target_`s (analysis/configs.py)
    # With a cache: each file in `facts`, its (task kind, digest of its facts' bytes), for
    # engine/verdicts (a later run compares an edited file's facts with these).
    digests: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    unfiltered: list = field(default_factory=list)  # the last judge's findings before noqa
    directives: dict[str, bytes] | None = None  # noqa.parse_all of the sources, once

    @property
    def log_callers(self) -> set[str]:
        """prefilter.ParsePlan.log_callers (none without the prefilter)."""
        return self.plan.log_callers if self.plan is not None else set()

    @property
    def complete(self) -> bool:
        return len(self.facts) == len(self.sources)

    def facts_list(self) -> list[FileFacts]:
        """Facts in the order of `sources` (the order a full parse would give)."""
        return [self.facts[path] for path in self.sources if path in self.facts]


def collect(sources: dict[str, str], options: RunOptions | None = None, runner: workers.Runner | None = None,
            configs: dict[str, str] | None = None, table: prefilter.ModuleTable | None = None) -> Collected:
    """`table`: the sources' module table, if the caller has it (it reads the file system)."""
    from losslint.analysis import configs as yaml_configs

    options = options or RunOptions()
    collected = Collected(sources, table if table is not None else prefilter.ModuleTable(list(sources)))
    collected.configs = yaml_configs.read_all(configs or {})
    collected.stats.files = len(sources)
    hint = _hint(sources, options.cache)
    if options.prefilter:
        collected.scans = scans = {path: prefilter.scan(source) for path, source in sources.items()}
        collected.plan = plan = prefilter.plan(scans, collected.table, sources, bool(collected.configs))
        wanted = plan.roots | hint
        ahead = _prefetch(collected, wanted)
        collected.stats.prefetched += len(ahead)
        wanted |= ahead
    else:
        wanted = set(sources)
    with _running(runner, options, sum(map(len, sources.values()))) as running:
        _run(collected, [workers.Task("facts", p, s) for p, s in sources.items() if p in wanted], options, running)
        _analyze_until_complete(collected, options, running)
        unparsed = [workers.Task("syntax", p, s) for p, s in sources.items() if p not in collected.facts]
        _run(collected, unparsed, options, running)
        if _shadowed(collected):
            _analyze_until_complete(collected, options, running)
    _save_hint(collected, options.cache, hint)
    return collected


@contextmanager
def _running(runner: workers.Runner | None, options: RunOptions, expected: int):
    """The caller's runner, or one of our own for this step; the progress line is erased
    at the end of the step either way."""
    try:
        if runner is not None:
            yield runner
        else:
            with workers.Runner(options.jobs, expected=expected) as own:
                yield own
    finally:
        if options.progress is not None:
            options.progress.close()


def _prefetch(collected: Collected, start: set[str]) -> set[str]:
    """The files `start` (the files about to be parsed) imports, directly or not, that are
    neither parsed nor in `start`, when they are few beside those (PREFETCH_SHARE): all
    of them, or none. Parsing more files than needed never changes a result."""
    if collected.plan is None:
        return set()
    closure = collected.plan.downstream(start) - start - collected.facts.keys()
    if not closure:
        return closure
    size = sum(len(collected.sources[p]) for p in closure)
    parsed = sum(len(collected.sources[p]) for p in start | collected.facts.keys())
    return closure if size * PREFETCH_SHARE <= parsed else set()


def _clean_key(sources: dict[str, str], table: prefilter.ModuleTable, settings, configs: dict[str, str] | None = None) -> str:
    """Everything a check's findings (before noqa) depend on: every file's path, module
    and text, the YAML configs' paths and texts, losslint's code (entry_key's digest) and
    the settings."""
    digest = hashlib.blake2b(digest_size=20)
    for path in sorted(sources):
        digest.update(f"{path}\0{table.info[path]!r}\0".encode())
        digest.update(hashlib.blake2b(sources[path].encode("utf-8", "surrogatepass"), digest_size=16).digest())
    return entry_key("clean-project", "", (), f"{digest.hexdigest()}\0{configs_text(configs)}\0{settings_text(settings)}")


def configs_text(configs: dict[str, str] | None) -> str:
    """The YAML configs' paths and the digests of their texts."""
    return "".join(f"config\0{path}\0{hashlib.blake2b(configs[path].encode('utf-8', 'surrogatepass'), digest_size=16).hexdigest()}\0" for path in sorted(configs or ()))


def settings_text(settings) -> str:
    if settings is None:
        return ""
    fields = getattr(settings, "__dict__", {})
    return repr(sorted((name, _stable(value)) for name, value in fields.items()))


def _stable(value):
    if isinstance(value, (set, frozenset)):
        return sorted(map(repr, value))
    if isinstance(value, dict):
        return sorted((repr(k), _stable(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_stable(v) for v in value]
    return repr(value)


def project_key(sources: dict[str, str], settings, options: RunOptions | None, configs: dict[str, str] | None = None,
                table: prefilter.ModuleTable | None = None) -> str | None:
    """The cache key of a check of exactly these files with these settings (_clean_key),
    computed once per check (it hashes every file); None without a cache or files: then
    nothing is looked up or remembered."""
    cache = options.cache if options is not None else None
    if cache is None or not sources:
        return None
    return _clean_key(sources, table if table is not None else prefilter.ModuleTable(list(sources)), settings, configs)


def known_clean(key: str | None, options: RunOptions | None) -> bool:
    """Whether the cache says a check of exactly these files (project_key), with this
    losslint and these settings, found nothing (before noqa): then there is nothing to
    parse or analyze."""
    return key is not None and options.cache.get(key) == b"clean"


def remember_clean(collected: Collected, key: str | None, options: RunOptions | None) -> None:
    if key is not None and collected.found_nothing:
        options.cache.put(key, b"clean")


def known_findings(key: str | None, options: RunOptions | None) -> list | None:
    """The final findings of an identical earlier run (project_key), or None."""
    if key is None or not options.reuse_results:
        return None
    data = options.cache.get(_results_key(key))
    if data is None:
        return None
    try:
        return pickle.loads(data)
    except Exception:  # noqa: BLE001 - a corrupt entry is a miss; the run rewrites it
        return None


def remember_findings(key: str | None, findings: list, options: RunOptions | None) -> None:
    if key is None:
        return
    bare = [dataclasses.replace(f, origin=None) for f in findings]
    options.cache.put(_results_key(key), pickle.dumps(bare, protocol=pickle.HIGHEST_PROTOCOL))


def _results_key(key: str) -> str:
    return "results-" + key


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


def more(collected: Collected, options: RunOptions | None = None, runner: workers.Runner | None = None) -> bool:
    """After later steps used the analysis (verdicts, the rules beyond the quiz): parse the
    files their lookups landed on, if any, and analyze again. -> whether it did."""
    return load(collected, collected.analysis.project.missing, options, runner)


def complete(collected: Collected, options: RunOptions | None = None, runner: workers.Runner | None = None) -> Collected:
    """Parse every file not parsed yet and analyze again."""
    load(collected, set(collected.sources), options, runner)
    return collected


def load(collected: Collected, paths: set[str], options: RunOptions | None = None, runner: workers.Runner | None = None) -> bool:
    """Parse those of `paths` not parsed yet and analyze again (until nothing is missing).
    -> whether there was any."""
    todo = [p for p in collected.sources if p in paths and p not in collected.facts]
    if not todo:
        return False
    options = options or RunOptions()
    collected.analysis = None  # free it before the next one is built
    with _running(runner, options, sum(len(collected.sources[p]) for p in todo)) as running:
        _run(collected, [workers.Task("facts", p, collected.sources[p]) for p in todo], options, running)
        _analyze_until_complete(collected, options, running)
    _save_hint(collected, options.cache, set())
    return True


def users(collected: Collected, files: set[str]) -> set[str]:
    """Every file that may use what `files` define (a model, whose output a fix changes; a
    criterion): those files and every file that imports one of them, directly or not
    (prefilter.ParsePlan.upstream). A file that gets a model only as an argument is called by
    one of these, so the analysis of their calls finds it (Project.missing). Every file
    when there is no import graph."""
    if collected.plan is None:
        return set(collected.sources)
    return collected.plan.upstream({p for p in files if p in collected.sources})


def calling(collected: Collected, names: set[str]) -> set[str]:
    """Unparsed files whose text may call one of `names` (prefilter.call_names)."""
    return _calling(collected, names, collected.sources)


def _analyze_until_complete(collected: Collected, options: RunOptions, runner: workers.Runner) -> None:
    from losslint import analysis

    while True:
        collected.analysis = None  # the last round's: free it before the next one is built
        collected.analysis = analysis.analyze(collected.facts_list(), _known(collected), collected.configs)
        collected.stats.rounds += 1
        missing = collected.analysis.project.missing - collected.facts.keys()
        if collected.log_callers - collected.facts.keys():
            missing |= _callers(collected, _log_lookups(collected.analysis))
        if not missing:
            return
        ahead = _prefetch(collected, missing)
        collected.stats.prefetched += len(ahead)
        missing |= ahead
        _run(collected, [workers.Task("facts", p, collected.sources[p]) for p in sorted(missing)], options, runner)


def _log_lookups(result: analysis.Analysis) -> set[str]:
    """The callee names whose calls the analysis of log calls looks up: torch.log(p) of
    LL105/LL206 and the hand-written losses (LL501/LL502), whose p may come from a caller.
    A fresh evaluator redoes that part alone, so that the loss side's lookups (their
    callers are roots already) do not count, and looks up only what a log value waits on
    (analysis/log_lookups.py)."""
    from losslint.analysis import log_lookups

    return log_lookups.asked_names(result.project)


def _callers(collected: Collected, asked: set[str]) -> set[str]:
    """Unparsed files among the log's possible callers (prefilter.ParsePlan.log_callers) that
    may call one of the `asked` names: the analysis looked for the callers of functions or
    the constructions of classes so named. `__init__` is left out: the analysis reads
    those calls only inside a method it already has."""
    return _calling(collected, asked - {"__init__"}, collected.log_callers)


def _calling(collected: Collected, names: set[str], paths) -> set[str]:
    if not names:
        return set()
    collected.asked_names |= names
    found = set()
    for path in paths:
        if path in collected.facts:
            continue
        called = collected.call_names.get(path)
        if called is None:
            called = collected.call_names[path] = prefilter.call_names(collected.sources[path])
        if not called.isdisjoint(names):
            found.add(path)
    return found


def _shadowed(collected: Collected) -> bool:
    """Whether a file that does not parse shares its module name with another file: the
    module tables of the last analysis may have counted it (see _known): run it again."""
    names = [collected.table.info[p][0] for p, f in collected.facts.items() if f.syntax_error is not None]
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
    todo, finished = _prepare(collected, tasks, options)
    runner.run(todo, finished)


def _prepare(collected: Collected, tasks: list[workers.Task], options: RunOptions):
    """Take what the cache has; -> (the tasks left to run, the callback for their results)."""
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
                    _store(collected, task, result, data)
                    continue
        todo.append(task)

    def finished(task: workers.Task, result, data: bytes | None) -> None:
        stats.done += 1
        if cache is not None:
            data = data if data is not None else workers.encode(result)
            cache.put(keys[task.path], data)
        _store(collected, task, result, data)
        if options.progress is not None:
            options.progress.update(stats.done, stats.computed)

    stats.computed += len(todo)
    return todo, finished


def _store(collected: Collected, task: workers.Task, result: FileFacts | None, data: bytes | None) -> None:
    if data is not None and result is not None:
        collected.digests[task.path] = (task.kind, verdicts.data_digest(data))
    if task.kind == "facts":
        collected.stats.parsed += 1
    else:
        collected.stats.syntax_checked += 1
    if result is None:
        collected.syntax_ok.add(task.path)
    else:
        collected.facts[task.path] = result
        collected.syntax_ok.discard(task.path)
