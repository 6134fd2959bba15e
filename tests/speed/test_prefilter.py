"""The text prefilter: which files are parsed whatever happens (roots)."""

from pathlib import Path

from losslint.analysis import torch_api
from losslint.engine import prefilter
from tests.speed.helpers import write


def test_every_loss_and_activation_the_analyzer_knows_is_a_trigger_word():
    for name in torch_api.LOSS_CLASSES:
        assert prefilter.scan(f"crit = nn.{name}()").loss, name
    for name in torch_api.LOSS_FUNCTIONS:
        assert prefilter.scan(f"loss = F.{name}(out, y)").loss, name
    for qualname in (*torch_api.ACTIVATION_LAYERS, *torch_api.ACTIVATION_FUNCTIONS):
        short = qualname.rsplit(".", 1)[-1]
        assert prefilter.scan(f"y = {short}(x)").activation, qualname
    for method in torch_api.ACTIVATION_METHODS:
        assert prefilter.scan(f"p = logits.{method}(1)").activation, method


def test_words_are_whole_words():
    assert not prefilter.scan("y = F.gumbel_softmax(x, tau=1.0)").activation
    assert not prefilter.scan("criterion = MyCrossEntropyLossWrapper()").loss
    assert prefilter.scan("y = x.log_softmax(1)").activation
    assert prefilter.scan("loss = F.binary_cross_entropy_with_logits(z, t)").loss


def test_log_means_a_log_of_a_tensor_not_logging():
    assert prefilter.scan("p = torch.log(q)").log
    assert prefilter.scan("from torch import log\nz = log(q)").log
    assert prefilter.scan("z = q.log()").log
    assert prefilter.scan("f = torch.log").log
    assert not prefilter.scan("self.log('val_loss', loss)\nlogger.info('x')\nlog_dir = 'runs'").log


def test_import_statements_of_every_shape():
    source = """
import torch.nn as nn, os
from . import models as m, utils
from ..pkg.sub import (a,  # a comment
    b as bb)
from x import \\
    y
from p \\
    import q
if TYPE_CHECKING: import typing_extensions
counter = {1: 2}; from w import *
text = "not an import statement"
"""
    found = {(i.level, i.module, i.name, i.alias, i.local) for i in prefilter.scan(source).imports}
    assert found == {
        (0, "torch.nn", "", True, "nn"),
        (0, "os", "", False, "os"),
        (1, "", "models", False, "m"),
        (1, "", "utils", False, "utils"),
        (2, "pkg.sub", "a", False, "a"),
        (2, "pkg.sub", "b", False, "bb"),
        (0, "x", "y", False, "y"),
        (0, "p", "q", False, "q"),
        (0, "typing_extensions", "", False, "typing_extensions"),
        (0, "w", "*", False, "*"),
    }


def test_module_info_matches_the_analyzer(tmp_path):
    from losslint import analysis

    write(tmp_path, {"pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/mod.py": "", "script.py": ""})
    for name in ("pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/mod.py", "script.py"):
        path = str(tmp_path / name)
        facts = analysis.file_facts(path, "")
        assert prefilter.module_info(path) == (facts.module, facts.root, facts.is_package), name
    missing = str(tmp_path / "nowhere" / "stdin.py")
    facts = analysis.file_facts(missing, "")
    assert prefilter.module_info(missing) == (facts.module, facts.root, facts.is_package)


def _roots(tmp_path: Path, files: dict[str, str]) -> set[str]:
    write(tmp_path, files)
    sources = {str(p): p.read_text() for p in sorted(tmp_path.rglob("*.py"))}
    scans = {path: prefilter.scan(text) for path, text in sources.items()}
    table = prefilter.ModuleTable(list(sources))
    return {str(Path(p).relative_to(tmp_path)) for p in prefilter.roots(scans, table, sources)}


def test_a_model_file_without_trigger_words_is_no_root(tmp_path):
    roots = _roots(
        tmp_path,
        {
            "models.py": "import torch.nn as nn\nclass Net(nn.Module):\n    pass\n",
            "train.py": "import torch.nn as nn\nfrom models import Net\ncrit = nn.NLLLoss()\n",
            "utils.py": "def mean(xs):\n    return sum(xs) / len(xs)\n",
        },
    )
    assert roots == {"train.py"}


def test_files_that_import_a_loss_through_other_files_are_roots(tmp_path):
    roots = _roots(
        tmp_path,
        {
            "proj/__init__.py": "",
            "proj/losses.py": "import torch.nn as nn\ndef build():\n    return nn.CrossEntropyLoss()\n",
            "proj/training.py": "from proj.losses import build\n",
            "run.py": "from proj import training\n",
            "other.py": "import os\n",
        },
    )
    assert roots == {"proj/losses.py", "proj/training.py", "run.py"}


def test_submodules_read_through_an_imported_package_count(tmp_path):
    roots = _roots(
        tmp_path,
        {
            "lib/__init__.py": "",
            "lib/crit/__init__.py": "",
            "lib/crit/ce.py": "import torch.nn as nn\nCE = nn.CrossEntropyLoss\n",
            "lib/unrelated.py": "X = 1\n",
            "main.py": "import lib as L\nloss = L.crit.ce.CE()\n",
            "aside.py": "import lib as L\nprint(L.unrelated.X)\n",
        },
    )
    assert roots == {"lib/crit/ce.py", "main.py"}


def test_a_log_reaching_an_activation_is_a_root(tmp_path):
    roots = _roots(
        tmp_path,
        {
            "models.py": "import torch.nn as nn\nhead = nn.Softmax(dim=1)\n",
            "evaluate.py": "import torch\nfrom models import head\nscore = torch.log(head(x))\n",
            "report.py": "import logging\nfrom models import head\nlogging.info(head)\n",
        },
    )
    assert roots == {"evaluate.py"}
