"""Hand-written cross-entropy: the shape of the formula, found in the IR.

    binary      -(y * torch.log(p) + (1 - y) * torch.log(1 - p))     (any sign, order, eps,
                y.matmul(torch.log(p)) ... (1 - y).matmul(torch.log(1 - p))    reduction)
                if y[i] == 1: res += torch.log(p[i]) elif ...: res += torch.log(1 - p[i])
                torch.where(y == 1, torch.log(p), torch.log(1 - p))
    multiclass  onehot * torch.log(F.softmax(z, 1))                  (then .sum(1).mean())

Only the shape is matched here (extract.py keeps arithmetic as ir.BinOp / ir.Neg); the
rule (losslint/rules/handwritten_loss.py) then asks the evaluator whether `p` really holds a sigmoid, or
the log's argument a softmax, in some calling context. Precision first: a focal loss
(an extra factor that mentions p), an entropy (y is p itself) and stable spellings
(F.logsigmoid, F.log_softmax) do not match.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from losslint.analysis import ir
from losslint.analysis.facts import MODULE_BODY
from losslint.analysis.project import Project
from losslint.core.findings import Site

# Calls that only keep a value away from 0 before the log: torch.log(p.clamp(min=1e-7)).
_CLAMPS = frozenset({"clamp", "clamp_", "clamp_min", "clip", "clip_"})
_MATMUL = frozenset({"matmul", "dot", "mm", "mv", "inner"})


@dataclass(frozen=True)
class HandWritten:
    kind: str  # "binary" | "multiclass"
    func: str  # key of the function it is written in
    probs: ir.IR  # p (binary), or the argument of the log (multiclass): must hold the activation
    logs: tuple[ir.Call, ...]  # log(p) and log(1 - p), or the one log(softmax)
    site: Site  # the smallest call around the whole formula, else the first log


def find(project: Project) -> list[HandWritten]:
    found: dict[tuple, HandWritten] = {}
    for facts in project.files.values():
        # Every shape has a torch.log / .log(): only functions that call one are searched.
        with_log = {c.func for c in facts.calls if c.callee in ("log", "log_")}
        if not with_log:
            continue
        roots: list[tuple[str, ir.IR, ir.Call | None]] = [(c.func, c.call, c.call) for c in facts.calls if c.func in with_log]
        roots += [(key, f.returns, None) for key, f in facts.functions.items() if key in with_log]
        module = next((func for func in with_log if func.endswith("::" + MODULE_BODY)), None)
        if module is not None:
            roots += [(module, value, None) for value in facts.globals.values()]
        for func, root, enclosing in roots:
            for match in _search(root, func, enclosing):
                key = (match.kind, tuple(log.site for log in match.logs))
                old = found.get(key)
                if old is None or _span(match.site) < _span(old.site):
                    found[key] = match
    # y * log(p) inside a binary formula is not a multiclass one.
    binary_logs = {log.site for m in found.values() if m.kind == "binary" for log in m.logs}
    return [m for m in found.values() if m.kind == "binary" or m.logs[0].site not in binary_logs]


def _search(root: ir.IR, func: str, enclosing: ir.Call | None) -> list[HandWritten]:
    """Matches under `root`, not descending into other calls (each call is a root of its
    own, so `enclosing` is the nearest call around a match)."""
    matches: list[HandWritten] = []
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for kind, probs, logs in _match(node):
            matches.append(HandWritten(kind, func, probs, logs, _site(enclosing, logs)))
        if isinstance(node, ir.Call) and node is not root:
            continue
        stack.extend(_children(node))
    return matches


def _site(enclosing: ir.Call | None, logs: tuple[ir.Call, ...]) -> Site:
    if enclosing is not None and all(_contains(enclosing.site, log.site) for log in logs):
        return enclosing.site
    return logs[0].site


def _contains(outer: Site, inner: Site) -> bool:
    return outer.path == inner.path and outer.start <= inner.start and inner.end <= outer.end


def _span(site: Site) -> tuple[int, int]:
    return (site.end.row - site.start.row, site.end.column - site.start.column)


_children = ir.children


# --- the shapes ------------------------------------------------------------------------


def _match(node: ir.IR) -> list[tuple[str, ir.IR, tuple[ir.Call, ...]]]:
    out = []
    if isinstance(node, ir.BinOp) and node.op in ("+", "-"):
        binary = _binary_sum(node)
        if binary is not None:
            out.append(binary)
    if isinstance(node, ir.BinOp) and node.op in ("*", "@") or _is_matmul(node):
        multiclass = _multiclass_product(node)
        if multiclass is not None:
            out.append(multiclass)
    selected = _binary_selected(node)
    if selected is not None:
        out.append(selected)
    return out


def _binary_sum(node: ir.BinOp):
    """y * log(p) + (1 - y) * log(1 - p), in any order, with any signs."""
    terms = [t for t in (_term(t) for t in _summands(node)) if t is not None]
    for factors_a, log_a, p in terms:
        if _one_minus(p) is not None:
            continue
        for factors_b, log_b, arg_b in terms:
            other = _one_minus(arg_b)
            if other is None or not same(other, p):
                continue
            labels = _labels(factors_a, factors_b)
            if labels is None:
                continue
            y, rest = labels
            # p * log(p) + (1 - p) * log(1 - p) is an entropy. Any other factor is another
            # loss (focal loss's (1 - p) ** gamma) or a weighted one (pos_weight * y *
            # log(p)), which maps onto the logits loss less directly: LL206 reports the
            # torch.log(torch.sigmoid(.)) in those.
            if _mentions(y, p) or rest:
                continue
            return ("binary", p, (log_a, log_b))
    return None


def _labels(factors_a: list[ir.IR], factors_b: list[ir.IR]):
    """(y, the other factors) when y is among a's factors and (1 - y) among b's."""
    for i, y in enumerate(factors_a):
        for j, f in enumerate(factors_b):
            q = _one_minus(f)
            if q is not None and same(q, y):
                rest = factors_a[:i] + factors_a[i + 1 :] + factors_b[:j] + factors_b[j + 1 :]
                return y, rest
    return None


def _binary_selected(node: ir.IR):
    """Cond(y[i] == 1, ... log(p[i]) ..., ... log(1 - p[i]) ...) and torch.where(...)."""
    if isinstance(node, ir.Cond):
        test, then, orelse = node.test, node.then, node.orelse
    elif isinstance(node, ir.Call) and _last_name(node.func) == "where" and len(node.args) == 3:
        test, then, orelse = node.args
    else:
        return None
    label = _label_test(test)
    if label is None:
        return None
    if label == 0:
        then, orelse = orelse, then
    for log_a, arg_a in _logs_in(then):
        if _one_minus(arg_a) is not None:
            continue
        for log_b, arg_b in _logs_in(orelse):
            p = _one_minus(arg_b)
            if p is not None and same(p, arg_a):
                return ("binary", arg_a, (log_a, log_b))
    return None


def _multiclass_product(node: ir.IR):
    """onehot * torch.log(softmax): the core of a hand-written cross-entropy. The rule
    checks the log's argument is a softmax; an entropy (p * log(p)) is left alone."""
    term = _term(node)
    if term is None:
        return None
    factors, log, arg = term
    if not factors or any(_mentions(f, arg) for f in factors) or _one_minus(arg) is not None:
        return None
    return ("multiclass", arg, (log,))


def _term(node: ir.IR):
    """A product with one log: (other factors, the log call, its argument without eps)."""
    node = _strip_neg(node)
    if isinstance(node, ir.BinOp) and node.op in ("*", "@"):
        factors = _factors(node)
    elif _is_matmul(node):
        factors = [_strip_neg(x) for x in _matmul_operands(node)]
    else:
        return None
    logs = [(i, f) for i, f in enumerate(factors) if _log_arg(f) is not None]
    if len(logs) != 1:
        return None
    index, log = logs[0]
    others = [f for i, f in enumerate(factors) if i != index]
    return others, log, _unwrap_eps(_log_arg(log))


def _factors(node: ir.IR) -> list[ir.IR]:
    node = _strip_neg(node)
    if isinstance(node, ir.BinOp) and node.op in ("*", "@"):
        return _factors(node.left) + _factors(node.right)
    if _is_matmul(node):
        return [x for operand in _matmul_operands(node) for x in _factors(operand)]
    return [node]


def _summands(node: ir.IR) -> list[ir.IR]:
    node = _strip_neg(node)
    if isinstance(node, ir.BinOp) and node.op in ("+", "-"):
        return _summands(node.left) + _summands(node.right)
    return [node]


def _is_matmul(node: ir.IR) -> bool:
    if not isinstance(node, ir.Call) or node.kwargs:
        return False
    name = _last_name(node.func)
    if name not in _MATMUL:
        return False
    return len(node.args) == 1 and isinstance(node.func, ir.Attr) or len(node.args) == 2


def _matmul_operands(node: ir.Call) -> list[ir.IR]:
    if len(node.args) == 1:  # y.matmul(log_p)
        return [node.func.obj, node.args[0]]
    return list(node.args)  # torch.matmul(y, log_p)


def _log_arg(node: ir.IR) -> ir.IR | None:
    """`x` of torch.log(x) / x.log(); None for anything else."""
    if not isinstance(node, ir.Call) or node.kwargs or _last_name(node.func) not in ("log", "log_"):
        return None
    if len(node.args) == 1 and not isinstance(node.args[0], ir.Starred):
        return node.args[0]
    if not node.args and isinstance(node.func, ir.Attr):
        return node.func.obj
    return None


def _logs_in(node: ir.IR) -> list[tuple[ir.Call, ir.IR]]:
    found, stack, seen = [], [node], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        arg = _log_arg(current)
        if arg is not None:
            found.append((current, _unwrap_eps(arg)))
            continue
        stack.extend(_children(current))
    return found


def _label_test(test: ir.IR) -> int | None:
    """y[i] == 1 -> 1, y == 0 -> 0 (the branch of a hand-written binary loss)."""
    if not isinstance(test, ir.Compare) or test.op != "==":
        return None
    for const in (test.right, test.left):
        if isinstance(const, ir.Const) and not isinstance(const.value, str) and const.value in (0, 1):
            return int(const.value)
    return None


def _one_minus(node: ir.IR) -> ir.IR | None:
    node = _unwrap_eps(node)
    if isinstance(node, ir.BinOp) and node.op == "-" and _is_one(node.left):
        return _unwrap_eps(node.right)
    return None


def _is_one(node: ir.IR) -> bool:
    return isinstance(node, ir.Const) and not isinstance(node.value, (bool, str)) and node.value == 1


def _unwrap_eps(node: ir.IR) -> ir.IR:
    """p + 1e-7, 1e-7 + p, p.clamp(min=eps), torch.clamp(p, eps, 1 - eps) -> p."""
    while True:
        if isinstance(node, ir.BinOp) and node.op == "+" and _is_scalar(node.right):
            node = node.left
        elif isinstance(node, ir.BinOp) and node.op == "+" and _is_scalar(node.left):
            node = node.right
        elif isinstance(node, ir.Call) and _last_name(node.func) in _CLAMPS:
            if isinstance(node.func, ir.Attr) and _is_tensor_method_call(node):
                node = node.func.obj
            elif node.args and not isinstance(node.args[0], ir.Starred):
                node = node.args[0]
            else:
                return node
        else:
            return node


def _is_scalar(node: ir.IR) -> bool:
    """An eps: a number, or a name that usually holds one (EPS, self.eps, a parameter)."""
    if isinstance(node, ir.Const):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    if isinstance(node, ir.Attr) and isinstance(node.obj, ir.SelfRef):
        return "eps" in node.name.lower()
    return isinstance(node, (ir.ModuleName, ir.Param)) and "eps" in node.name.lower()


def _is_tensor_method_call(node: ir.Call) -> bool:
    """p.clamp(min=eps) (the object is the tensor) vs torch.clamp(p, ...) (a module)."""
    obj = node.func.obj
    return not (isinstance(obj, ir.ModuleName) and obj.name == "torch") and not isinstance(obj, ir.Global)


def _strip_neg(node: ir.IR) -> ir.IR:
    while isinstance(node, ir.Neg):
        node = node.operand
    return node


def _last_name(func: ir.IR) -> str | None:
    if isinstance(func, ir.Attr):
        return func.name
    if isinstance(func, ir.Global):
        return func.name.rsplit(".", 1)[-1] if func.name else func.module.rsplit(".", 1)[-1]
    if isinstance(func, ir.ModuleName):
        return func.name
    return None


def _mentions(node: ir.IR, target: ir.IR) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if same(current, target):
            return True
        stack.extend(_children(current))
    return False


def same(a: ir.IR, b: ir.IR, depth: int = 0) -> bool:
    """Structural equality of two IR trees, sites ignored (the same `y` written twice)."""
    if a is b:
        return True
    if type(a) is not type(b) or depth > 40:
        return False
    if isinstance(a, ir.Const):
        return type(a.value) is type(b.value) and a.value == b.value
    for f in dataclasses.fields(a):
        if f.name == "site":
            continue
        x, y = getattr(a, f.name), getattr(b, f.name)
        if not _same_value(x, y, depth):
            return False
    return True


def _same_value(x, y, depth: int) -> bool:
    if isinstance(x, ir.IR) and isinstance(y, ir.IR):
        return same(x, y, depth + 1)
    if isinstance(x, tuple) and isinstance(y, tuple):
        return len(x) == len(y) and all(_same_value(i, j, depth) for i, j in zip(x, y))
    return type(x) is type(y) and x == y
