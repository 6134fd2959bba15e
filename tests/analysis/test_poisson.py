"""PoissonNLLLoss against its log_input flag: rates into log_input=True (LL306), raw
log-rates into log_input=False (LL307)."""

import pytest

from tests.analysis.helpers import codes, lint

HEAD = """
import torch
import torch.nn as nn
import torch.nn.functional as F

head = nn.Linear(16, 1)
"""


def check(tmp_path, body: str) -> list[str]:
    return codes(tmp_path, {"counts.py": HEAD + body})


RATES_INTO_LOG_INPUT = {
    "exp_function_default": "def f(x, k): return F.poisson_nll_loss(torch.exp(head(x)), k)",
    "exp_method": "crit = nn.PoissonNLLLoss()\ndef f(x, k): return crit(head(x).exp(), k)",
    "exp_explicit_true": "def f(x, k): return F.poisson_nll_loss(torch.exp(head(x)), k, log_input=True)",
    "softplus_function": "crit = nn.PoissonNLLLoss(True)\ndef f(x, k): return crit(F.softplus(head(x)), k)",
    "softplus_layer": "model = nn.Sequential(nn.Linear(16, 1), nn.Softplus())\ndef f(x, k): return nn.PoissonNLLLoss()(model(x), k)",
    "exp_in_forward": """
class Rate(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        return torch.exp(self.fc(x)).squeeze(1)

def f(x, k):
    return nn.PoissonNLLLoss(full=True)(Rate()(x), k)
""",
}


@pytest.mark.parametrize("case", sorted(RATES_INTO_LOG_INPUT))
def test_rates_into_log_input(tmp_path, case):
    assert check(tmp_path, RATES_INTO_LOG_INPUT[case]) == ["LL306"]


def test_rate_finding_points_at_the_exp(tmp_path):
    (finding,) = lint(tmp_path, {"counts.py": HEAD + "def f(x, k):\n    rate = torch.exp(head(x))\n    return F.poisson_nll_loss(rate, k)\n"})
    assert (finding.code, finding.activation, finding.loss) == ("LL306", "exp", "PoissonNLLLoss")
    assert "`torch.exp(head(x))`" in finding.message


LOG_RATES_INTO_RATES = {
    "keyword": "def f(x, k): return F.poisson_nll_loss(head(x), k, log_input=False)",
    "positional_criterion": "crit = nn.PoissonNLLLoss(False)\ndef f(x, k): return crit(head(x), k)",
    "module_constant": "LOG_INPUT = False\ndef f(x, k): return nn.PoissonNLLLoss(log_input=LOG_INPUT)(head(x).view(-1), k)",
}


@pytest.mark.parametrize("case", sorted(LOG_RATES_INTO_RATES))
def test_log_rates_into_rates(tmp_path, case):
    assert check(tmp_path, LOG_RATES_INTO_RATES[case]) == ["LL307"]


def test_log_rates_finding_points_at_the_flag(tmp_path):
    body = "crit = nn.PoissonNLLLoss(log_input=False)\n\ndef f(x, k):\n    return crit(head(x), k)\n"
    (finding,) = lint(tmp_path, {"counts.py": HEAD + body})
    assert (finding.code, finding.activation) == ("LL307", "none")
    assert finding.site.start.row == HEAD.lstrip("\n").count("\n") + 1  # the criterion
    assert {r.message for r in finding.related} == {"logits produced here", "PoissonNLLLoss computed here"}


SILENT = {
    "log_rates_default": "def f(x, k): return F.poisson_nll_loss(head(x), k)",
    "exp_with_rates_flag": "def f(x, k): return F.poisson_nll_loss(torch.exp(head(x)), k, log_input=False)",
    "softplus_with_rates_flag": "crit = nn.PoissonNLLLoss(log_input=False)\ndef f(x, k): return crit(F.softplus(head(x)), k)",
    "flag_unknown": "def f(x, k, flag): return F.poisson_nll_loss(torch.exp(head(x)), k, log_input=flag)",
    "flag_unknown_logits": "def f(x, k, flag): return F.poisson_nll_loss(head(x), k, log_input=flag)",
    "kwargs": "def f(x, k, **kw): return F.poisson_nll_loss(torch.exp(head(x)), k, **kw)",
    "exp_not_into_poisson": "def f(x, y): return F.mse_loss(torch.exp(head(x)), y) + F.cross_entropy(head(x).exp(), y)",
}


@pytest.mark.parametrize("case", sorted(SILENT))
def test_silent(tmp_path, case):
    assert check(tmp_path, SILENT[case]) == []
