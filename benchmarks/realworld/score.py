"""Score losslint on the real-world corpus (issue 12).

Each `cases/<owner>__<name>.toml` names a repository, the commit that was read, and labelled
cases (see README.md). For every case file this script extracts the commit from the local
mirror (`git archive | tar -x`) into a cache directory, runs the losslint found on
PYTHONPATH (`sys.executable -m losslint check <root> --isolated --no-cache --exit-zero
--output-format json`) and matches its findings against the labels:

- a mistake case is FOUND when a finding whose code is in the case's `rules` has its
  location or one of its `related` locations on the case's activation or loss line
  (same path, +-2 lines);
- a silent case is a FALSE ALARM when any finding's location or related location is on its
  (activation) line (+-2);
- a finding that matches no case is UNLABELLED and counts as a false alarm (strict) until a
  case labels it.

Recall = found mistake cases / mistake cases. Precision = findings that found a mistake case /
all scored findings (a finding on a silent line and an unlabelled finding are both false).
Findings without a code (`invalid-syntax`: Python 2 files are common in real repositories)
are not scored; they are counted and shown.

Stdlib only: it runs on a fresh machine with nothing but Python 3.11 and git.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
DEFAULT_MIRRORS = Path(os.environ.get("LOSSLINT_MIRRORS", "/work/.mirror"))
DEFAULT_CACHE = Path(os.environ.get("LOSSLINT_REALWORLD_CACHE", "~/.cache/losslint-realworld")).expanduser()
TOLERANCE = 2  # lines either side of a labelled line
VERDICTS = ("mistake", "silent")
SHAPES = (
    "plain", "cross-file", "registry", "config", "getattr", "injected", "wrapped-criterion",
    "criterion-arg", "dict-head", "tuple-head", "moduledict", "sequential-star", "loop-buffer",
    "algebra", "partial-knowledge", "notebook", "other",
)
KINDS = ("small", "mid")


class CaseError(Exception):
    """A case file that does not follow the schema (one line, names the file)."""


def split_of(repo: str) -> str:
    """The fixed tune/report split: first hex digit of sha1(repo.lower()) in 0-7 -> tune."""
    return "tune" if hashlib.sha1(repo.lower().encode()).hexdigest()[0] in "01234567" else "report"


# --------------------------------------------------------------------------- sites


@dataclass(frozen=True)
class Line:
    """A labelled `path:line` (or `notebook.ipynb:cellN:line`)."""

    path: str
    row: int
    cell: int | None = None

    @classmethod
    def parse(cls, text: str) -> Line | None:
        if not text:
            return None
        parts = text.rsplit(":", 2)
        if len(parts) == 3 and parts[1].startswith("cell") and parts[1][4:].isdigit():
            path, cell, row = parts[0], int(parts[1][4:]), parts[2]
        else:
            path, _, row = text.rpartition(":")
            cell = None
        if not path or not row.isdigit():
            raise ValueError(f"not path:line: {text!r}")
        return cls(_norm(path), int(row), cell)

    def near(self, site: Site) -> bool:
        if site.path != self.path or abs(site.row - self.row) > TOLERANCE:
            return False
        return self.cell is None or site.cell is None or self.cell == site.cell

    def __str__(self) -> str:
        return f"{self.path}:cell{self.cell}:{self.row}" if self.cell is not None else f"{self.path}:{self.row}"


@dataclass(frozen=True)
class Site:
    """A finding's location or related location, relative to the repository root."""

    path: str
    row: int
    cell: int | None = None


def _norm(path: str) -> str:
    """`./a/b.py` and `a/b.py` are the same path."""
    posix = Path(path).as_posix()
    while posix.startswith("./"):
        posix = posix[2:]
    return posix


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    repo: str
    id: str
    verdict: str
    rules: tuple[str, ...]
    activation: Line
    loss: Line | None
    shape: str
    evidence: str
    labelled: str
    kind: str

    @property
    def split(self) -> str:
        return split_of(self.repo)

    @property
    def name(self) -> str:
        return f"{self.repo}#{self.id}"

    def lines(self) -> tuple[Line, ...]:
        """The lines a finding may sit on: both ends for a mistake, the look-alike's line for a silent case."""
        if self.verdict == "silent" or self.loss is None:
            return (self.activation,)
        return (self.activation, self.loss)


@dataclass
class RepoCases:
    repo: str
    commit: str
    kind: str
    root: str
    cases: list[Case]
    source: Path
    batch: str = ""  # the collection round that added the file (`batch = "stop-11"`); "" for the first corpus


def load_case_file(path: Path) -> RepoCases:
    """Read and validate one case file; raise CaseError naming the file on any schema fault."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CaseError(f"{path}: {exc}") from None
    return parse_case_data(data, path)


def parse_case_data(data: dict, source: Path) -> RepoCases:
    def need(table: dict, key: str, where: str) -> str:
        value = table.get(key)
        if not isinstance(value, str):
            raise CaseError(f"{source}: {where}: `{key}` must be a string")
        return value

    repo = need(data, "repo", "top")
    commit = need(data, "commit", "top")
    if len(commit) != 40 or any(c not in "0123456789abcdef" for c in commit):
        raise CaseError(f"{source}: commit must be 40 lower-case hex digits")
    kind = need(data, "kind", "top")
    if kind not in KINDS:
        raise CaseError(f"{source}: kind must be one of {', '.join(KINDS)}")
    root = data.get("root", ".")
    batch = data.get("batch", "")
    if not isinstance(batch, str) or ("batch" in data and not batch):
        raise CaseError(f"{source}: top: `batch` must be a non-empty string")
    cases: list[Case] = []
    seen: set[str] = set()
    for table in data.get("case", []):
        cid = need(table, "id", "case")
        where = f"case {cid}"
        if cid in seen:
            raise CaseError(f"{source}: duplicate case id {cid!r}")
        seen.add(cid)
        verdict = need(table, "verdict", where)
        if verdict not in VERDICTS:
            raise CaseError(f"{source}: {where}: verdict must be mistake or silent")
        rules = table.get("rules", [])
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            raise CaseError(f"{source}: {where}: rules must be a list of codes")
        if verdict == "mistake" and not rules:
            raise CaseError(f"{source}: {where}: a mistake names the rule code(s) that would be right")
        if verdict == "silent" and rules:
            raise CaseError(f"{source}: {where}: a silent case has rules = []")
        shape = need(table, "shape", where)
        if shape not in SHAPES:
            raise CaseError(f"{source}: {where}: unknown shape {shape!r}")
        labelled = table.get("labelled", "before-run")
        if labelled not in ("before-run", "after-run"):
            raise CaseError(f"{source}: {where}: labelled must be before-run or after-run")
        try:
            activation = Line.parse(need(table, "activation", where))
            loss = Line.parse(table.get("loss", "") or "")
        except ValueError as exc:
            raise CaseError(f"{source}: {where}: {exc}") from None
        if activation is None:
            raise CaseError(f"{source}: {where}: activation is required")
        cases.append(Case(repo, cid, verdict, tuple(rules), activation, loss, shape,
                          need(table, "evidence", where), labelled, kind))
    return RepoCases(repo, commit, kind, root, cases, source, batch)


# --------------------------------------------------------------------------- matching


@dataclass
class Finding:
    code: str
    site: Site
    related: tuple[Site, ...]
    message: str = ""

    def sites(self) -> tuple[Site, ...]:
        return (self.site, *self.related)

    def __str__(self) -> str:
        cell = f":cell{self.site.cell}" if self.site.cell is not None else ""
        rel = ", ".join(f"{s.path}:{s.row}" for s in self.related)
        return f"{self.site.path}{cell}:{self.site.row} {self.code}" + (f" (related {rel})" if rel else "")


def _site(record: dict, base: Path | None) -> Site:
    name = record.get("filename") or ""
    if base is not None and os.path.isabs(name):
        try:
            name = os.path.relpath(name, base)
        except ValueError:
            pass
    row = (record.get("location") or {}).get("row") or 0
    return Site(_norm(name), int(row), record.get("cell"))


def findings_from_json(records: list[dict], base: Path | None = None) -> tuple[list[Finding], int]:
    """losslint's JSON records as Findings relative to `base`; also the number without a code."""
    findings: list[Finding] = []
    uncoded = 0
    for record in records:
        code = record.get("code")
        if not code:
            uncoded += 1
            continue
        related = tuple(_site(r, base) for r in record.get("related") or [])
        findings.append(Finding(code, _site(record, base), related, record.get("message", "")))
    return findings, uncoded


@dataclass
class Match:
    """The outcome for one repository's cases and findings."""

    found: list[Case] = field(default_factory=list)
    missed: list[Case] = field(default_factory=list)
    quiet: list[Case] = field(default_factory=list)  # silent cases with no finding on their line
    alarmed: list[tuple[Case, list[Finding]]] = field(default_factory=list)
    true_findings: list[Finding] = field(default_factory=list)
    false_findings: list[Finding] = field(default_factory=list)  # on a silent line, or unlabelled
    unlabelled: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, note)


def match(cases: list[Case], findings: list[Finding]) -> Match:
    """Match findings to labelled cases (the rules in the module docstring)."""
    result = Match()
    claimed: set[int] = set()  # indexes of findings that found a mistake case
    on_silent: set[int] = set()
    for case in cases:
        if case.verdict == "mistake":
            hits = [i for i, f in enumerate(findings)
                    if f.code in case.rules and _touches(f, case.lines())]
            (result.found if hits else result.missed).append(case)
            claimed.update(hits)
        else:
            hits = [i for i, f in enumerate(findings) if _touches(f, case.lines())]
            if hits:
                result.alarmed.append((case, [findings[i] for i in hits]))
                on_silent.update(hits)
            else:
                result.quiet.append(case)
    for i, finding in enumerate(findings):
        if i in claimed:
            result.true_findings.append(finding)
            continue
        result.false_findings.append(finding)
        if i in on_silent:
            continue
        near = [c for c in cases if c.verdict == "mistake" and _touches(finding, c.lines())]
        note = (f"on mistake case {near[0].name}'s line but {finding.code} is not in its rules "
                f"{list(near[0].rules)}") if near else ""
        result.unlabelled.append((finding, note))
    return result


def _touches(finding: Finding, lines: tuple[Line, ...]) -> bool:
    return any(line.near(site) for line in lines for site in finding.sites())


# --------------------------------------------------------------------------- running


class Skip(Exception):
    """A repository that cannot be scored here (missing mirror or commit); one line."""


def mirror_dir(mirrors: Path, repo: str) -> Path:
    """`<mirrors>/<owner>+<name>/repo` (bare), or its `.git` when `fetch` left a work-tree layout."""
    owner, _, name = repo.partition("/")
    base = mirrors / f"{owner}+{name}" / "repo"
    return base / ".git" if (base / ".git").is_dir() else base


def extract(repo: str, commit: str, mirrors: Path, cache: Path) -> Path:
    """The commit's tree under the cache (extracted once), or Skip naming the fetch to run.

    `git archive` first; mirrors may leave out their largest blobs (data, media), which makes
    it fail, so then every blob that is present is written one by one and the absent ones
    are left out (they are never Python sources the linter would read).
    """
    target = cache / f"{repo.replace('/', '+')}@{commit[:12]}"
    done = target / ".losslint-realworld-complete"
    if done.exists():
        return target
    git_dir = mirror_dir(mirrors, repo)
    if not git_dir.is_dir():
        raise Skip(f"{repo}: no mirror at {git_dir}; run the tool call `fetch github:{repo}`")
    git = ["git", f"--git-dir={git_dir}"]
    if subprocess.run([*git, "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True,
                      check=False).returncode != 0:
        raise Skip(f"{repo}: commit {commit[:12]} not in {git_dir}; run the tool call `fetch github:{repo}` again")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    archive = subprocess.run([*git, "archive", "--format=tar", commit], capture_output=True, check=False)
    try:
        if archive.returncode == 0:
            _untar(archive.stdout, target)
        else:
            _write_present_blobs(git, commit, target)
    except (tarfile.TarError, OSError, ValueError) as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise Skip(f"{repo}: cannot extract {commit[:12]}: {exc}") from None
    done.touch()
    return target


def _untar(data: bytes, target: Path) -> None:
    tar = target.with_suffix(".tar")
    tar.write_bytes(data)
    try:
        with tarfile.open(tar) as handle:
            handle.extractall(target, filter="data")  # refuses absolute paths and links out of the tree
    finally:
        tar.unlink(missing_ok=True)


def _write_present_blobs(git: list[str], commit: str, target: Path) -> None:
    listing = subprocess.run([*git, "ls-tree", "-r", "-z", commit], capture_output=True, check=True).stdout
    entries = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode != b"120000":  # regular files only: no links, no submodules
            entries.append((sha.decode(), path.decode("utf-8", "surrogateescape")))
    batch = subprocess.run([*git, "cat-file", "--batch"], input="".join(f"{sha}\n" for sha, _ in entries).encode(),
                           capture_output=True, check=True).stdout
    root = target.resolve()
    pos = 0
    for _sha, path in entries:
        end = batch.index(b"\n", pos)
        header = batch[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        dest = (target / path).resolve()
        if root not in dest.parents:
            raise ValueError(f"path leaves the tree: {path}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(batch[pos:pos + size])
        pos += size + 1


def run_losslint(tree: Path, root: str, timeout: float) -> list[dict]:
    command = [sys.executable, "-m", "losslint", "check", root, "--isolated", "--no-cache",
               "--exit-zero", "--output-format", "json"]
    try:
        proc = subprocess.run(command, cwd=tree, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        raise Skip(f"losslint took over {timeout:.0f} s on {tree}") from None
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        raise Skip(f"losslint failed on {tree}: {last[0]}")
    try:
        return json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        raise Skip(f"losslint printed no JSON on {tree}") from None


# --------------------------------------------------------------------------- report


@dataclass
class RepoResult:
    repo: RepoCases
    match: Match | None = None
    skipped: str = ""
    uncoded: int = 0

    @property
    def split(self) -> str:
        return split_of(self.repo.repo)


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def summarize(results: list[RepoResult]) -> dict:
    """Counts for a set of scored repositories (skipped ones are only counted)."""
    scored = [r for r in results if r.match is not None]
    found = sum(len(r.match.found) for r in scored)
    missed = sum(len(r.match.missed) for r in scored)
    quiet = sum(len(r.match.quiet) for r in scored)
    alarmed = sum(len(r.match.alarmed) for r in scored)
    true_f = sum(len(r.match.true_findings) for r in scored)
    false_f = sum(len(r.match.false_findings) for r in scored)
    unlabelled = sum(len(r.match.unlabelled) for r in scored)
    return {
        "repos": len(scored), "skipped_repos": len(results) - len(scored),
        "mistakes": found + missed, "found": found, "missed": missed,
        "silent": quiet + alarmed, "silent_ok": quiet, "false_alarm_cases": alarmed,
        "true_findings": true_f, "false_findings": false_f, "unlabelled_findings": unlabelled,
        "recall": _ratio(found, found + missed), "precision": _ratio(true_f, true_f + false_f),
        "uncoded_findings": sum(r.uncoded for r in scored),
    }


def by_shape(results: list[RepoResult]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for r in results:
        if r.match is None:
            continue
        rows = [(c, "found") for c in r.match.found] + [(c, "missed") for c in r.match.missed]
        rows += [(c, "silent_ok") for c in r.match.quiet] + [(c, "false_alarm") for c, _ in r.match.alarmed]
        for case, outcome in rows:
            counts = table.setdefault(case.shape, {"found": 0, "missed": 0, "silent_ok": 0, "false_alarm": 0})
            counts[outcome] += 1
    return dict(sorted(table.items()))


def report(results: list[RepoResult], split: str) -> dict:
    chosen = [r for r in results if split == "all" or r.split == split]
    out = {"split": split, "total": summarize(chosen),
           "splits": {s: summarize([r for r in results if r.split == s]) for s in ("tune", "report")},
           "by_shape": by_shape(chosen), "skipped": [], "missed": [], "false_alarms": [], "unlabelled": []}
    for r in chosen:
        if r.match is None:
            out["skipped"].append(r.skipped)
            continue
        for case in r.match.missed:
            out["missed"].append({"case": case.name, "rules": list(case.rules), "shape": case.shape,
                                  "activation": str(case.activation),
                                  "loss": str(case.loss) if case.loss else ""})
        for case, hits in r.match.alarmed:
            out["false_alarms"].append({"case": case.name, "shape": case.shape, "line": str(case.activation),
                                        "findings": [str(f) for f in hits]})
        for finding, note in r.match.unlabelled:
            out["unlabelled"].append({"repo": r.repo.repo, "finding": str(finding), "note": note,
                                      "message": finding.message})
    return out


def print_report(out: dict) -> None:
    def line(label: str, s: dict) -> str:
        rec = "n/a" if s["recall"] is None else f"{s['recall']:.3f}"
        prec = "n/a" if s["precision"] is None else f"{s['precision']:.3f}"
        return (f"{label:<7} repos {s['repos']:>3} (skipped {s['skipped_repos']})  "
                f"recall {rec} ({s['found']}/{s['mistakes']})  precision {prec} "
                f"({s['true_findings']}/{s['true_findings'] + s['false_findings']})  "
                f"silent ok {s['silent_ok']}/{s['silent']}  unlabelled {s['unlabelled_findings']}")

    batch = f", batch {out['batch']}" if out.get("batch") else ""
    print(f"losslint real-world corpus, split {out['split']}{batch}")
    print(line(out["split"], out["total"]))
    for name, s in out["splits"].items():
        print(line(name, s))
    if out["total"]["uncoded_findings"]:
        print(f"({out['total']['uncoded_findings']} findings without a code, e.g. invalid-syntax, not scored)")
    print("\nby shape: found/mistakes  silent ok/silent")
    for shape, c in out["by_shape"].items():
        print(f"  {shape:<18} {c['found']}/{c['found'] + c['missed']:<4} "
              f"{c['silent_ok']}/{c['silent_ok'] + c['false_alarm']}")
    for title, key in (("SKIPPED", "skipped"), ("MISSED", "missed"),
                       ("FALSE ALARM", "false_alarms"), ("UNLABELLED", "unlabelled")):
        if not out[key]:
            continue
        print(f"\n{title} ({len(out[key])})")
        for item in out[key]:
            if key == "skipped":
                print(f"  {item}")
            elif key == "missed":
                print(f"  {item['case']} {'/'.join(item['rules'])} [{item['shape']}] "
                      f"activation {item['activation']} loss {item['loss'] or '-'}")
            elif key == "false_alarms":
                print(f"  {item['case']} [{item['shape']}] {item['line']}: {'; '.join(item['findings'])}")
            else:
                note = f"  <- {item['note']}" if item["note"] else ""
                print(f"  {item['repo']}: {item['finding']}{note}")


def load_all(cases_dir: Path, only: set[str], batch: str | None = None) -> list[RepoCases]:
    """Every case file (all are validated), kept when its repo is in `only` (if given) and its
    top-level `batch` equals `batch` (if given)."""
    files = sorted(cases_dir.glob("*.toml"))
    loaded = [load_case_file(p) for p in files]
    if only:
        loaded = [rc for rc in loaded if rc.repo.lower() in only]
    if batch is not None:
        loaded = [rc for rc in loaded if rc.batch == batch]
    return loaded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score losslint (from PYTHONPATH) on the real-world corpus.")
    parser.add_argument("--split", choices=("tune", "report", "all"), default="all")
    parser.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    parser.add_argument("--cases", type=Path, default=CASES_DIR, help="directory of case files")
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS,
                        help="where `fetch` puts mirrors: <mirrors>/<owner>+<name>/repo")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where snapshots are extracted")
    parser.add_argument("--repo", action="append", default=[], help="score only this owner/name (repeatable)")
    parser.add_argument("--batch", metavar="NAME",
                        help="score only the case files whose top-level `batch` is NAME (e.g. stop-11)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per repository for losslint")
    parser.add_argument("--check", action="store_true", help="only validate the case files")
    args = parser.parse_args(argv)
    try:
        repos = load_all(args.cases, {r.lower() for r in args.repo}, args.batch)
    except CaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.batch is not None and not repos:
        print(f"error: no case file in {args.cases} has batch = {args.batch!r}", file=sys.stderr)
        return 2
    if args.check:
        n = sum(len(rc.cases) for rc in repos)
        print(f"{len(repos)} case files, {n} cases: schema ok")
        return 0
    results: list[RepoResult] = []
    for rc in repos:
        if args.split != "all" and split_of(rc.repo) != args.split:
            continue
        result = RepoResult(rc)
        try:
            tree = extract(rc.repo, rc.commit, args.mirrors, args.cache)
            records = run_losslint(tree, rc.root, args.timeout)
            findings, result.uncoded = findings_from_json(records, tree)
            result.match = match(rc.cases, findings)
        except Skip as exc:
            result.skipped = str(exc)
            print(f"skipped: {exc}", file=sys.stderr)
        results.append(result)
    out = report(results, args.split)
    if args.batch is not None:
        out["batch"] = args.batch
    print_report(out)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
