"""Imports across files resolve to the file Python would load (analysis/project.py), through
the public API: relative imports of any depth, and module names that two folders share.

Each project holds a decoy: a model of the same name in the file a wrong resolution would
pick, with a different activation, so a resolver that is off by one level, or that takes
the first of two same-name modules, gives a different finding, not just a missing one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from losslint import analysis
from losslint.api import check_paths
from tests.cli.helpers import write

MODEL = """
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)
        self.act = {activation}

    def forward(self, x):
        return self.act(self.fc(x))
"""
SOFTMAX = "nn.Softmax(dim=1)"  # wrong with CrossEntropyLoss: LL103
LOG_SOFTMAX = "nn.LogSoftmax(dim=1)"  # wrong with CrossEntropyLoss: LL104
LOGITS = "nn.Identity()"  # right: no finding

TRAIN = """
import torch.nn as nn
{import_line}

model = Net()
criterion = nn.CrossEntropyLoss()


def step(x, y):
    return criterion(model(x), y)
"""


def model(activation: str) -> str:
    return MODEL.format(activation=activation)


def train(import_line: str) -> str:
    return TRAIN.format(import_line=import_line)


# The linter gives the analyzer module tables built from every file of the run (the
# prefilter may leave files unparsed); analysis.analyze() alone builds them from the facts
# it gets. Both ways must resolve alike.
CODE_OF = {"softmax": "LL103", "log_softmax": "LL104"}


@pytest.fixture(params=["linter", "analyze"])
def findings(request):
    def run(root: Path, files: dict[str, str]) -> list[tuple[str, str]]:
        """(code, file relative to root) of every finding of the project."""
        write(root, files)
        if request.param == "linter":
            records = check_paths(root, isolated=True)
            return sorted((r["code"], relative(r["filename"], root)) for r in records)
        paths = sorted(root.rglob("*.py"))
        result = analysis.analyze([analysis.file_facts(str(p), p.read_text()) for p in paths])
        return sorted((CODE_OF[p.activation], relative(p.tensor.site.path, root)) for p in result.pairs)

    return run


def relative(path: str, root: Path) -> str:
    return Path(path).resolve().relative_to(root.resolve()).as_posix()


def package(*folders: str) -> dict[str, str]:
    return {f"{folder}/__init__.py": "" for folder in folders}


# --- relative imports -----------------------------------------------------------------


def test_one_level_relative_import(tmp_path, findings):
    files = {
        **package("pkg"),
        "pkg/net.py": model(SOFTMAX),
        "pkg/train.py": train("from .net import Net"),
    }
    assert findings(tmp_path, files) == [("LL103", "pkg/net.py")]


def test_two_level_relative_import_reaches_the_sibling_package(tmp_path, findings):
    # pkg/training/train.py: `..` is pkg, so ..models.net is pkg/models/net.py. One level
    # too few would be pkg/training/models/net.py (the decoy), one too many the top level.
    files = {
        **package("pkg", "pkg/models", "pkg/training", "pkg/training/models"),
        "pkg/models/net.py": model(SOFTMAX),
        "pkg/training/models/net.py": model(LOG_SOFTMAX),
        "models/net.py": model(LOG_SOFTMAX),
        "pkg/training/train.py": train("from ..models.net import Net"),
    }
    assert findings(tmp_path, files) == [("LL103", "pkg/models/net.py")]


def test_three_level_relative_import(tmp_path, findings):
    files = {
        **package("pkg", "pkg/models", "pkg/training", "pkg/training/loops", "pkg/training/models"),
        "pkg/models/net.py": model(SOFTMAX),
        "pkg/training/models/net.py": model(LOG_SOFTMAX),
        "pkg/training/loops/train.py": train("from ...models.net import Net"),
    }
    assert findings(tmp_path, files) == [("LL103", "pkg/models/net.py")]


def test_relative_import_of_a_name_the_parent_package_binds(tmp_path, findings):
    # `from .. import Net` in pkg/training/train.py: Net comes from pkg/__init__.py.
    files = {
        "pkg/__init__.py": "from pkg.models.net import Net\n",
        **package("pkg/models", "pkg/training"),
        "pkg/models/net.py": model(SOFTMAX),
        "pkg/training/__init__.py": "from pkg.training.net import Net\n",
        "pkg/training/net.py": model(LOG_SOFTMAX),
        "pkg/training/train.py": train("from .. import Net"),
    }
    assert findings(tmp_path, files) == [("LL103", "pkg/models/net.py")]


def test_relative_import_of_a_name_a_nested_package_binds(tmp_path, findings):
    # `from .. import Net` in pkg/sub/training/train.py: Net comes from pkg/sub/__init__.py.
    files = {
        **package("pkg", "pkg/sub/models", "pkg/sub/training"),
        "pkg/sub/__init__.py": "from pkg.sub.models.net import Net\n",
        "pkg/sub/models/net.py": model(SOFTMAX),
        "pkg/sub/training/net.py": model(LOG_SOFTMAX),
        "pkg/sub/training/train.py": train("from .. import Net"),
    }
    assert findings(tmp_path, files) == [("LL103", "pkg/sub/models/net.py")]


def test_dotted_module_import_used_by_attribute(tmp_path, findings):
    # `import pkg.models.net` then `pkg.models.net.Net()`: the module is found by its
    # longest linted prefix, the rest is an attribute path.
    files = {
        **package("pkg", "pkg/models"),
        "pkg/models/net.py": model(SOFTMAX),
        "pkg/models/other.py": model(LOG_SOFTMAX),
        "train.py": train("import pkg.models.net").replace("model = Net()", "model = pkg.models.net.Net()"),
    }
    assert findings(tmp_path, files) == [("LL103", "pkg/models/net.py")]


def test_relative_import_into_the_namespace_root(tmp_path, findings):
    # The folder above the top package has no __init__.py: run as a namespace package
    # (`python -m root.pkg.train`), `..` from pkg/train.py is that folder.
    files = {
        **package("pkg"),
        "net.py": model(SOFTMAX),
        "pkg/net.py": model(LOG_SOFTMAX),
        "pkg/train.py": train("from ..net import Net"),
    }
    assert findings(tmp_path, files) == [("LL103", "net.py")]


def test_relative_import_from_a_package_init(tmp_path, findings):
    # In pkg/training/__init__.py, `.` is pkg.training itself (not its parent).
    files = {
        **package("pkg", "pkg/models"),
        "pkg/models/net.py": model(SOFTMAX),
        "pkg/training/net.py": model(LOG_SOFTMAX),
        "pkg/training/__init__.py": train("from ..models.net import Net"),
    }
    assert findings(tmp_path, files) == [("LL103", "pkg/models/net.py")]


def test_relative_import_beyond_the_top_package_finds_nothing(tmp_path, findings):
    files = {
        **package("pkg"),
        "net.py": model(SOFTMAX),
        "pkg/train.py": train("from ...net import Net"),
    }
    # Only the model file's own pairs could be judged: without the import there is no loss.
    assert findings(tmp_path, files) == []


def test_a_package_file_run_as_a_script_imports_its_sibling(tmp_path, findings):
    # `python pkg/train.py` puts pkg/ first on sys.path: `from net import Net` is pkg/net.py.
    files = {
        **package("pkg"),
        "pkg/net.py": model(SOFTMAX),
        "pkg/train.py": train("from net import Net"),
    }
    assert findings(tmp_path, files) == [("LL103", "pkg/net.py")]


# --- two folders, one module name ------------------------------------------------------


@pytest.mark.parametrize("wrong_folder", ["a", "b"])
def test_a_script_imports_the_models_beside_it(tmp_path, wrong_folder, findings):
    """`python a/train.py` loads a/models.py, whichever folder sorts first."""
    right = "b" if wrong_folder == "a" else "a"
    files = {
        f"{right}/models.py": model(SOFTMAX),
        f"{wrong_folder}/models.py": model(LOG_SOFTMAX),
        f"{right}/train.py": train("from models import Net"),
    }
    assert findings(tmp_path, files) == [("LL103", f"{right}/models.py")]


@pytest.mark.parametrize("softmax_folder", ["a", "b"])
def test_an_ambiguous_module_name_resolves_to_neither(tmp_path, softmax_folder, findings):
    """c/train.py imports `models`, which a/ and b/ both hold and c/ does not: Python would
    load whichever comes first on sys.path, which losslint cannot know. Silence, never a
    finding from a guessed file (the first or the last candidate)."""
    other = "b" if softmax_folder == "a" else "a"
    files = {
        f"{softmax_folder}/models.py": model(SOFTMAX),
        f"{other}/models.py": model(LOGITS),
        "c/train.py": train("from models import Net"),
    }
    assert findings(tmp_path, files) == []


def test_a_module_name_held_by_one_folder_only_resolves(tmp_path, findings):
    files = {
        "lib/models.py": model(SOFTMAX),
        "scripts/train.py": train("from models import Net"),
    }
    assert findings(tmp_path, files) == [("LL103", "lib/models.py")]


@pytest.mark.parametrize("softmax_package", ["one", "two"])
def test_same_name_modules_in_two_packages_resolve_by_package(tmp_path, softmax_package, findings):
    other = "two" if softmax_package == "one" else "one"
    files = {
        **package("one", "two"),
        f"{softmax_package}/models.py": model(SOFTMAX),
        f"{other}/models.py": model(LOG_SOFTMAX),
        "train.py": train(f"from {softmax_package}.models import Net"),
    }
    assert findings(tmp_path, files) == [("LL103", f"{softmax_package}/models.py")]
