"""The static analyzer: sources -> per-file facts -> project -> (activation, loss) pairs.

    extract.py   one file -> FileFacts (libcst; no other file is looked at)
    project.py   all FileFacts, and how imports between them resolve
    evaluate.py  what an expression holds, across functions and files (values.py: the
                 values and frames it computes with)
    pairs.py     every loss call and what its input holds

Nothing in this package imports torch.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from losslint.analysis.evaluate import Evaluator, TensorV
from losslint.analysis.facts import FileFacts
from losslint.analysis.pairs import Pair, find_pairs, find_unstable_logs, link_loss_modules
from losslint.analysis.project import Project, module_name


def file_facts(path: str, source: str) -> FileFacts:
    """Facts of one file; `path` need not exist (stdin, tests)."""
    from losslint.analysis.extract import extract  # libcst: imported only when parsing

    candidate = Path(path)
    if candidate.is_file():
        module, root, is_package = module_name(candidate)
    else:
        module, root, is_package = candidate.stem, str(candidate.parent), candidate.stem == "__init__"
    return extract(path, source, module, root, is_package)


@dataclass
class Analysis:
    project: Project
    evaluator: Evaluator  # reusable by later steps (fixes look for other uses of a model)
    pairs: list[Pair]  # every loss call whose input holds a known activation or logits
    logs: list[TensorV]  # every torch.log(softmax/sigmoid(...)), reported or not
    # skorch NeuralNetClassifier + NLLLoss pairs: skorch logs the output first (LL407 only)
    skorch_logged: list[Pair] = field(default_factory=list)


# Evaluating deeply nested code recurses deeply. From Python 3.11 on, Python-to-Python
# calls do not use the C stack, so a higher limit is safe there.
if sys.version_info >= (3, 11) and sys.getrecursionlimit() < 10_000:
    sys.setrecursionlimit(10_000)


def analyze(facts: list[FileFacts], known: tuple[dict, dict] | None = None, configs: list | None = None) -> Analysis:
    """`known`: every file's module tables, when some files were left unparsed (Project).
    `configs`: the `_target_`s of the project's YAML files (analysis/configs.read_all)."""
    project = Project([f for f in facts if f.syntax_error is None], known)
    project.configs = configs or []
    evaluator = Evaluator(project)
    link_loss_modules(project, evaluator)
    pairs, skorch_logged = find_pairs(project, evaluator)
    return Analysis(project, evaluator, pairs, find_unstable_logs(project, evaluator), skorch_logged)
