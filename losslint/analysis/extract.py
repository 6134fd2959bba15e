"""One file's source -> FileFacts.

A small abstract interpreter over libcst: it walks each function's statements in order,
keeps an environment of local names (and `self.X` attributes) bound to IR trees, joins
if/else branches into `Cond`, treats a loop body as run at least once, and records every
call with its arguments already substituted. Nothing here looks at other files.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Sequence

import libcst as cst

from losslint.analysis import chunks, ir
from losslint.analysis.facts import (
    MODULE_BODY,
    SUBSCRIPT_CALLEE,
    CallFact,
    ClassFacts,
    FileFacts,
    FunctionFacts,
    Registration,
    Store,
    SyntaxErrorFact,
    key_of,
)
from losslint.analysis.parsing import Unparsable, parse, parse_guarded
from losslint.analysis.positions import Positions
from losslint.core.findings import Position, Site

# Calls that mutate the list/container they are called on.
_APPEND = frozenset({"append", "add_module", "register_module"})
_EXTEND = frozenset({"extend"})
# In-place tensor methods whose result the evaluator models (the tensor becomes it).
_INPLACE = frozenset({"sigmoid_", "exp_", "log_", "clamp_", "clamp_min_", "clamp_max_", "clip_", "scatter_",
                      "squeeze_", "unsqueeze_"})
_CLOBBER = frozenset({"insert", "pop", "remove", "clear", "reverse", "sort", "popitem"})


@dataclass
class _Flow:
    """One path through a function body."""

    env: dict[str, ir.IR]
    path: tuple[ir.IR, ...] = ()  # the if-tests that hold on this path
    live: bool = True  # False once the path returned or raised


@dataclass
class _Scope:
    key: str  # function key
    qualname: str
    cls: str | None  # class key, for self/super
    self_name: str | None
    returns: list[tuple[tuple[ir.IR, ...], ir.IR]] = field(default_factory=list)
    contexts: tuple[ir.IR, ...] = ()  # the `with` items around the statement being read
    path: tuple[ir.IR, ...] = ()  # the conditions of the statement being read (_Flow.path)


def extract(path: str, source: str, module: str = "", root: str = "", is_package: bool = False) -> FileFacts:
    if chunks.wanted(source):  # a very large file: a chunk of top-level statements at a time
        facts = FileFacts(path=path, module=module, root=root, is_package=is_package)
        try:
            return _extract_chunks(facts, source)
        except (chunks.NotChunkable, cst.ParserSyntaxError):
            pass  # the one-tree way below reports what there is to report
        except RecursionError:
            facts = FileFacts(path=path, module=module, root=root, is_package=is_package)
            facts.syntax_error = SyntaxErrorFact("SyntaxError: too deeply nested to analyze", 1, 1)
            return facts
    facts = FileFacts(path=path, module=module, root=root, is_package=is_package)
    try:
        tree, python_tree = parse(source)  # guarded; libcst's, without re-validating what its parser built
    except cst.ParserSyntaxError as exc:
        facts.syntax_error = _syntax_error(path, source, exc)
        return facts
    except Unparsable as exc:  # what would crash the parser (losslint.parsing.guard)
        facts.syntax_error = SyntaxErrorFact(exc.message, exc.row, exc.column)
        return facts
    # Positions from CPython's parser instead of libcst's PositionProvider (a second pass
    # over the whole tree that costs twice the parse); losslint/positions.py falls back to
    # PositionProvider itself whenever the two parsers could disagree.
    try:
        _Extractor(facts, Positions(tree, source, python_tree)).run(tree)
    except RecursionError:  # nesting our reading of the tree cannot follow: one finding, not a crash
        facts = FileFacts(path=path, module=module, root=root, is_package=is_package)
        facts.syntax_error = SyntaxErrorFact("SyntaxError: too deeply nested to analyze", 1, 1)
    return facts


def _extract_chunks(facts: FileFacts, source: str) -> FileFacts:
    """The facts of a very large file, read a chunk of top-level statements at a time
    (chunks.py): the module body is one flow through the statements of every chunk in
    order, as in the one-tree way, so the facts are the same; each chunk's tree is freed
    before the next is parsed. Raises chunks.NotChunkable or libcst.ParserSyntaxError (the
    file then goes the one-tree way)."""
    extractor = _Extractor(facts, None)
    flow = extractor.begin()
    cuts: list[int] = []
    for chunk in chunks.split(source):
        tree = parse_guarded(chunk.text)  # parsed even after a top-level raise: its syntax errors count
        cuts += chunks.statement_rows(chunk)
        if flow.live:
            extractor.positions, extractor.rows = Positions(tree, chunk.text, chunk.tree), chunk.row - 1
            flow = extractor.block(tree.body, flow)
    facts.globals = flow.env
    facts.cuts = tuple(sorted(set(cuts)))
    return facts


class _Extractor:
    def __init__(self, facts: FileFacts, positions) -> None:
        self.facts = facts
        self.path = facts.path
        self.positions = positions
        self.rows = 0  # the rows above the tree read (a chunk of a large file)
        self.scope: _Scope | None = None

    # --- entry points -----------------------------------------------------------------

    def begin(self) -> _Flow:
        """The module body's scope and flow."""
        self.scope = _Scope(key=key_of(self.path, MODULE_BODY), qualname="", cls=None, self_name=None)
        return _Flow(env={})

    def run(self, tree: cst.Module) -> None:
        flow = self.block(tree.body, self.begin())
        self.facts.globals = flow.env

    def site(self, node: cst.CSTNode) -> Site:
        line, column, end_line, end_column = self.positions[node]  # 0-based columns
        rows = self.rows
        return Site(self.path, Position(line + rows, column + 1), Position(end_line + rows, end_column + 1))

    # --- statements ---------------------------------------------------------------------

    def block(self, statements: Sequence[cst.CSTNode], flow: _Flow) -> _Flow:
        for statement in statements:
            if not flow.live:
                break
            flow = self.statement(statement, flow)
        return flow

    def statement(self, node: cst.CSTNode, flow: _Flow) -> _Flow:
        self.scope.path = flow.path  # recorded with the calls of this statement
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                if not flow.live:
                    break
                self.small_statement(small, flow)
            return flow
        if isinstance(node, cst.If):
            return self.if_statement(node, flow)
        if isinstance(node, (cst.For, cst.While)):
            return self.loop(node, flow)
        if isinstance(node, cst.With):
            items = []
            for item in node.items:
                value = self.expr(item.item, flow.env)
                items.append(value)
                if item.asname is not None:
                    self.assign(item.asname.name, value, flow)
            # Calls in the block remember the with-items around them (autocast regions).
            outer = self.scope.contexts
            self.scope.contexts = outer + tuple(items)
            try:
                return self.block(node.body.body, flow)
            finally:
                self.scope.contexts = outer
        if isinstance(node, cst.Try):
            flow = self.block(node.body.body, flow)
            for handler in node.handlers:
                # Handlers run on some other path; keep only their calls.
                self.block(handler.body.body, _Flow(dict(flow.env), flow.path + (ir.UNKNOWN,)))
            if node.orelse is not None:
                flow = self.block(node.orelse.body.body, flow)
            if node.finalbody is not None:
                flow.live = True
                flow = self.block(node.finalbody.body.body, flow)
            return flow
        if isinstance(node, cst.FunctionDef):
            flow.env[node.name.value] = self.function(node, flow.env)
            return flow
        if isinstance(node, cst.ClassDef):
            flow.env[node.name.value] = self.class_def(node, flow.env)
            return flow
        if isinstance(node, cst.Match):
            subject = self.expr(node.subject, flow.env)
            tests = [self.pattern_test(subject, case, flow.env) for case in node.cases]
            if all(test is not None for test in tests):
                return self.match_cases(list(zip(tests, node.cases)), flow)
        # other statements: keep the calls, forget nothing else.
        self.walk_for_calls(node, flow.env)
        return flow

    def match_cases(self, cases: list, flow: _Flow) -> _Flow:
        """`match x: case "a": ...` as the if/elif chain it is."""
        if not cases:
            return flow
        (test, case), rest = cases[0], cases[1:]
        return self.conditional(test, case.body.body, lambda f: self.match_cases(rest, f), flow)

    def pattern_test(self, subject: ir.IR, case: cst.MatchCase, env: dict[str, ir.IR]) -> ir.IR | None:
        """The if-test of a case with literal patterns (`case "a" | "b":`, `case _:`);
        None for patterns that bind names or destructure (not modelled)."""
        test = self.pattern(subject, case.pattern, env)
        if test is None:
            return None
        if case.guard is not None:
            test = ir.BoolOp("and", test, self.expr(case.guard, env))
        return test

    def pattern(self, subject: ir.IR, pattern: cst.MatchPattern, env: dict[str, ir.IR]) -> ir.IR | None:
        if isinstance(pattern, cst.MatchValue):
            return ir.Compare(subject, "==", self.expr(pattern.value, env))
        if isinstance(pattern, cst.MatchSingleton):
            return ir.Compare(subject, "==", self.expr(pattern.value, env))
        if isinstance(pattern, cst.MatchAs) and pattern.pattern is None and pattern.name is None:
            return ir.Const(True)
        if isinstance(pattern, cst.MatchOr):
            tests = [self.pattern(subject, element.pattern, env) for element in pattern.patterns]
            if any(test is None for test in tests):
                return None
            result = tests[0]
            for test in tests[1:]:
                result = ir.BoolOp("or", result, test)
            return result
        return None

    def small_statement(self, node: cst.BaseSmallStatement, flow: _Flow) -> None:
        env = flow.env
        if isinstance(node, cst.Assign):
            value = self.expr(node.value, env)
            for target in node.targets:
                self.assign(target.target, value, flow)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.expr(node.value, env), flow)
        elif isinstance(node, cst.AugAssign):
            value = self.expr(node.value, env)
            name = self.target_name(node.target)
            if name is not None:
                current = self.lookup_target(name, env)
                if isinstance(node.operator, cst.AddAssign) and isinstance(value, (ir.ListOf, ir.TupleOf)):
                    env[name] = ir.Appended(current, (ir.Starred(value),))
                elif type(node.operator) in _AUGMENTED:
                    # `res += torch.log(p[i])`: kept for hand-written loss matching only
                    # (a BinOp evaluates to UNKNOWN, as this assignment did before).
                    env[name] = ir.BinOp(_AUGMENTED[type(node.operator)], current, value)
                else:
                    env[name] = ir.UNKNOWN
        elif isinstance(node, cst.Expr):
            self.expression_statement(node.value, flow)
        elif isinstance(node, cst.Return):
            value = self.expr(node.value, env) if node.value is not None else ir.Const(None)
            self.scope.returns.append((flow.path, value))
            flow.live = False
        elif isinstance(node, cst.Raise):
            if node.exc is not None:
                self.expr(node.exc, env)
            flow.live = False
        elif isinstance(node, (cst.Import, cst.ImportFrom)):
            self.import_statement(node, env)
        elif isinstance(node, (cst.Break, cst.Continue)):
            flow.live = False
        elif isinstance(node, (cst.Assert, cst.Del)):
            self.walk_for_calls(node, env)

    def expression_statement(self, node: cst.BaseExpression, flow: _Flow) -> None:
        value = self.expr(node, flow.env)
        # In-place mutation of a list or container: layers.append(nn.Softmax()).
        if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)):
            return
        method = node.func.attr.value
        name = self.target_name(node.func.value)
        if name is None or not isinstance(value, ir.Call):
            return
        current = self.lookup_target(name, flow.env)
        if method in _APPEND and value.args:
            flow.env[name] = ir.Appended(current, (value.args[-1],))
        elif method in _EXTEND and value.args:
            flow.env[name] = ir.Appended(current, (ir.Starred(value.args[0]),))
        elif method == "update":  # dict.update(other) / update(key=value): merged
            if len(value.args) == 1 and not value.kwargs and not isinstance(value.args[0], ir.Starred):
                flow.env[name] = ir.Merged(current, value.args[0])
            elif not value.args and all(k != "**" for k, _ in value.kwargs):
                flow.env[name] = ir.Merged(current, ir.DictOf(tuple((ir.Const(k), v) for k, v in value.kwargs)))
            else:
                flow.env[name] = ir.UNKNOWN
        elif method in _CLOBBER:
            flow.env[name] = ir.UNKNOWN
        elif method in _INPLACE:  # x.sigmoid_(), onehot.scatter_(1, y, 1): x is the result
            flow.env[name] = value

    def if_statement(self, node: cst.If, flow: _Flow) -> _Flow:
        test = self.condition(node.test, flow.env)
        return self.conditional(test, node.body.body, lambda f: self.block(_else_body(node.orelse), f), flow)

    def conditional(self, test: ir.IR, body: Sequence[cst.CSTNode], run_else, flow: _Flow) -> _Flow:
        """Run `body` where `test` holds and `run_else` (a function of a flow) elsewhere,
        then join the two environments."""
        if isinstance(test, ir.Const) and isinstance(test.value, bool):
            return self.block(body, flow) if test.value else run_else(flow)
        then = self.block(body, _Flow(dict(flow.env), flow.path + (test,)))
        orelse = run_else(_Flow(dict(flow.env), flow.path + (ir.Not(test),)))
        if then.live and orelse.live:
            return _Flow(_merge(test, then.env, orelse.env), flow.path)
        if then.live:
            return _Flow(then.env, flow.path + (test,))
        if orelse.live:
            return _Flow(orelse.env, flow.path + (ir.Not(test),))
        return _Flow(then.env, flow.path, live=False)

    def loop(self, node: cst.For | cst.While, flow: _Flow) -> _Flow:
        env = dict(flow.env)
        if isinstance(node, cst.For):
            iterable = self.expr(node.iter, flow.env)
            inner = _Flow(env, flow.path + (ir.UNKNOWN,))
            self.assign(node.target, ir.LastOf(iterable), inner)
        else:
            self.condition(node.test, flow.env)
            inner = _Flow(env, flow.path + (ir.UNKNOWN,))
        # The body runs at least once (the usual case for model and training code).
        body = self.block(node.body.body, inner)
        after = _Flow(body.env if body.live else flow.env, flow.path)
        if node.orelse is not None:
            after = self.block(node.orelse.body.body, after)
        return after

    # --- definitions --------------------------------------------------------------------

    def function(self, node: cst.FunctionDef, outer_env: dict[str, ir.IR], cls: str | None = None) -> ir.IR:
        parent = self.scope
        qualname = f"{parent.qualname}.{node.name.value}" if parent.qualname else node.name.value
        key = key_of(self.path, qualname)
        decorators = tuple(_decorator_name(d.decorator) for d in node.decorators)
        params = [p for p in (*node.params.posonly_params, *node.params.params)]
        names = [p.name.value for p in params]
        names += [p.name.value for p in node.params.kwonly_params]
        defaults: dict[str, ir.IR] = {}
        for p in (*params, *node.params.kwonly_params):
            if p.default is not None:
                defaults[p.name.value] = self.expr(p.default, outer_env)
        # Module-level functions and methods look names up late (ModuleName); a nested
        # function sees its enclosing function's locals as they are where it is defined.
        nested = cls is None and parent.qualname != "" and parent.key not in self.facts.classes
        env = dict(outer_env) if nested else {}
        self_name = None
        for name in names:
            env[name] = ir.Param(key, name)
        if cls is not None and names and "staticmethod" not in decorators:
            if "classmethod" in decorators:
                env[names[0]] = ir.ClassRef(cls)
            else:
                self_name = names[0]
                env[self_name] = ir.SelfRef(cls)
        for star in (node.params.star_arg, node.params.star_kwarg):
            if isinstance(star, cst.Param):
                env[star.name.value] = ir.UNKNOWN
        self.scope = _Scope(key=key, qualname=qualname, cls=cls, self_name=self_name)
        try:
            flow = self.block(node.body.body, _Flow(env))
            if flow.live:
                self.scope.returns.append((flow.path, ir.Const(None)))
            returns = _returns(self.scope.returns)
        finally:
            scope, self.scope = self.scope, parent
        self_attrs = {name[5:]: value for name, value in flow.env.items() if name.startswith("self.")}
        if cls is None:
            self.registrations(node, key, outer_env)
        self.facts.functions[key] = FunctionFacts(
            key=key,
            name=node.name.value,
            cls=cls,
            params=tuple(names),
            defaults=defaults,
            returns=returns,
            decorators=decorators,
            self_attrs=self_attrs,
            site=self.site(node.name),
        )
        del scope
        return ir.FunctionRef(key)

    def class_def(self, node: cst.ClassDef, outer_env: dict[str, ir.IR]) -> ir.IR:
        parent = self.scope
        qualname = f"{parent.qualname}.{node.name.value}" if parent.qualname else node.name.value
        key = key_of(self.path, qualname)
        bases = tuple(self.expr(arg.value, outer_env) for arg in node.bases if arg.keyword is None)
        facts = ClassFacts(key=key, name=node.name.value, bases=bases, methods={}, class_attrs={}, site=self.site(node.name))
        self.facts.classes[key] = facts
        self.registrations(node, key, outer_env)
        self.scope = _Scope(key=key, qualname=qualname, cls=None, self_name=None)
        try:
            body_env: dict[str, ir.IR] = dict(outer_env)
            for statement in node.body.body:
                if isinstance(statement, cst.FunctionDef):
                    ref = self.function(statement, outer_env, cls=key)
                    facts.methods[statement.name.value] = ref.key
                elif isinstance(statement, cst.SimpleStatementLine):
                    flow = _Flow(body_env)
                    for small in statement.body:
                        self.small_statement(small, flow)
                else:
                    self.statement(statement, _Flow(body_env))
        finally:
            self.scope = parent
        for name, value in body_env.items():
            if outer_env.get(name) is not value and not name.startswith("self."):
                facts.class_attrs[name] = value
        return ir.ClassRef(key)

    def registrations(self, node: cst.ClassDef | cst.FunctionDef, key: str, env: dict[str, ir.IR]) -> None:
        """Decorators that may register the class or function by name (registry.py)."""
        for decorator in node.decorators:
            expression = decorator.decorator
            if _decorator_name(expression) in _PLAIN_DECORATORS:
                continue
            callee = expression.func if isinstance(expression, cst.Call) else expression
            # The site of the name decorated: CPython's parser knows it (positions.py); a bare
            # decorator's own position would cost libcst's PositionProvider over the file.
            registration = Registration(key, self.expr(expression, env), self.site(node.name), dotted_name(callee))
            self.facts.registrations.append(registration)

    def import_statement(self, node: cst.Import | cst.ImportFrom, env: dict[str, ir.IR]) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                dotted = dotted_name(alias.name)
                if alias.asname is not None:
                    env[_asname(alias)] = ir.Global(dotted, "", origin=self.path)
                else:
                    top = dotted.split(".")[0]
                    env[top] = ir.Global(top, "", origin=self.path)
            return
        module = dotted_name(node.module) if node.module is not None else ""
        level = len(node.relative)
        if isinstance(node.names, cst.ImportStar):
            self.facts.star_imports.append(ir.Global(module, "", level=level, origin=self.path))
            return
        for alias in node.names:
            name = dotted_name(alias.name)
            local = _asname(alias) if alias.asname is not None else name
            env[local] = ir.Global(module, name, level=level, origin=self.path)

    # --- assignment -----------------------------------------------------------------------

    def target_name(self, node: cst.BaseExpression) -> str | None:
        """The env name of an assignable target: `x` or `self.x`."""
        if isinstance(node, cst.Name):
            return node.value
        if (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and self.scope.self_name is not None
            and node.value.value == self.scope.self_name
        ):
            return f"self.{node.attr.value}"
        return None

    def lookup_target(self, name: str, env: dict[str, ir.IR]) -> ir.IR:
        if name in env:
            return env[name]
        if name.startswith("self.") and self.scope.cls is not None:
            return ir.Attr(ir.SelfRef(self.scope.cls), name[5:])
        return self.name(name, env)

    def assign(self, target: cst.BaseExpression, value: ir.IR, flow: _Flow) -> None:
        name = self.target_name(target)
        if name is not None:
            flow.env[name] = value
            return
        if isinstance(target, (cst.Tuple, cst.List)):
            starred = any(isinstance(e, cst.StarredElement) for e in target.elements)
            for index, element in enumerate(target.elements):
                if starred:
                    item = ir.UNKNOWN
                elif isinstance(value, (ir.TupleOf, ir.ListOf)) and index < len(value.items):
                    item = value.items[index]
                else:
                    item = ir.Item(value, ir.Const(index))
                self.assign(element.value, item, flow)
            return
        if isinstance(target, cst.Subscript):
            # layers["fc"] = nn.Linear(...) on an OrderedDict being built.
            container = self.target_name(target.value)
            self.walk_for_calls(target, flow.env)
            if container is not None:
                current = self.lookup_target(container, flow.env)
                index = target.slice[0].slice if len(target.slice) == 1 else None
                key = self.expr(index.value, flow.env) if isinstance(index, cst.Index) else ir.UNKNOWN
                if isinstance(current, ir.ModuleName) and self.scope.qualname:  # a global: a registry?
                    self.facts.stores.append(Store(self.scope.key, container, key, value))
                flow.env[container] = ir.ItemSet(current, key, value)
            return
        if isinstance(target, cst.Attribute):
            # model.fc = nn.Linear(...) on a pretrained model: its new head (see AttrSet).
            owner = self.target_name(target.value)
            self.walk_for_calls(target.value, flow.env)
            if owner is not None:
                flow.env[owner] = ir.AttrSet(self.lookup_target(owner, flow.env), target.attr.value, value)

    # --- expressions ------------------------------------------------------------------------

    def name(self, name: str, env: dict[str, ir.IR]) -> ir.IR:
        if name in env:
            return env[name]
        if name in ("True", "False", "None"):
            return ir.Const({"True": True, "False": False, "None": None}[name])
        return ir.ModuleName(self.path, name)

    def condition(self, node: cst.BaseExpression, env: dict[str, ir.IR]) -> ir.IR:
        return self.expr(node, env)

    def expr(self, node: cst.BaseExpression, env: dict[str, ir.IR]) -> ir.IR:
        if isinstance(node, cst.Name):
            return self.name(node.value, env)
        if isinstance(node, cst.Attribute):
            return self.attribute(node, env)
        if isinstance(node, cst.Call):
            return self.call(node, env)
        if isinstance(node, cst.Subscript):
            return self.subscript(node, env)
        if isinstance(node, (cst.Integer, cst.Float)):
            return ir.Const(node.evaluated_value)
        if isinstance(node, cst.SimpleString):
            try:
                return ir.Const(node.evaluated_value)
            except Exception:  # noqa: BLE001 - odd string prefixes
                return ir.UNKNOWN
        if isinstance(node, cst.Tuple):
            return self.sequence(node, env, ir.TupleOf)
        if isinstance(node, cst.List):
            return self.sequence(node, env, ir.ListOf)
        if isinstance(node, cst.Dict):
            merged: ir.IR | None = None  # {**base, "k": v}: the dicts merged so far
            items = []
            for element in node.elements:
                if isinstance(element, cst.StarredDictElement):
                    current = ir.DictOf(tuple(items))
                    merged = ir.Merged(current if merged is None else ir.Merged(merged, current), self.expr(element.value, env))
                    items = []
                else:
                    items.append((self.expr(element.key, env), self.expr(element.value, env)))
            return ir.DictOf(tuple(items)) if merged is None else ir.Merged(merged, ir.DictOf(tuple(items)))
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            return self.comprehension(node, env)
        if isinstance(node, cst.IfExp):
            return ir.Cond(self.expr(node.test, env), self.expr(node.body, env), self.expr(node.orelse, env))
        if isinstance(node, cst.UnaryOperation):
            operand = self.expr(node.expression, env)
            if isinstance(node.operator, cst.Not):
                return ir.Not(operand)
            if isinstance(node.operator, cst.Minus) and isinstance(operand, ir.Const) and isinstance(operand.value, (int, float)):
                return ir.Const(-operand.value)
            if isinstance(node.operator, cst.Minus):
                return ir.Neg(operand)  # for hand-written loss matching; evaluates to UNKNOWN
            return ir.UNKNOWN
        if isinstance(node, cst.BinaryOperation) and type(node.operator) in _BINARY:
            # Arithmetic evaluates to UNKNOWN; its shape is kept for hand-written losses.
            return ir.BinOp(_BINARY[type(node.operator)], self.expr(node.left, env), self.expr(node.right, env))
        if isinstance(node, cst.Comparison):
            return self.comparison(node, env)
        if isinstance(node, cst.BooleanOperation):
            op = "and" if isinstance(node.operator, cst.And) else "or"
            return ir.BoolOp(op, self.expr(node.left, env), self.expr(node.right, env))
        if isinstance(node, cst.NamedExpr):
            value = self.expr(node.value, env)
            if isinstance(node.target, cst.Name):
                env[node.target.value] = value
            return value
        if isinstance(node, cst.Await):
            return self.expr(node.expression, env)
        if isinstance(node, cst.Lambda):
            return ir.UNKNOWN  # its body runs later with unknown arguments
        self.walk_for_calls(node, env)
        return ir.UNKNOWN

    def comprehension(self, node, env: dict[str, ir.IR]) -> ir.IR:
        """`[f(x) for x in xs]` -> Comp; nested `for`s are not modelled (UNKNOWN)."""
        clause = node.for_in
        if clause.inner_for_in is not None:
            self.walk_for_calls(node, env)
            return ir.UNKNOWN
        iterable = self.expr(clause.iter, env)
        loop = ir.LastOf(iterable)
        flow = _Flow(dict(env))
        self.assign(clause.target, loop, flow)
        for test in clause.ifs:
            self.expr(test.test, flow.env)
        if isinstance(node, cst.DictComp):
            key, value, kind = self.expr(node.key, flow.env), self.expr(node.value, flow.env), "dict"
        else:
            key, value, kind = None, self.expr(node.elt, flow.env), "list"
        return ir.Comp(kind, loop, key, value, bool(clause.ifs))

    def walk_for_calls(self, node: cst.CSTNode, env: dict[str, ir.IR]) -> None:
        """Record the calls inside an expression the analyzer does not otherwise model."""
        for child in node.children:
            if isinstance(child, cst.Lambda):
                continue
            if isinstance(child, cst.BaseExpression) and not isinstance(child, (cst.Name, cst.SimpleString, cst.Integer)):
                self.expr(child, env)
            elif not isinstance(child, cst.BaseExpression):
                self.walk_for_calls(child, env)

    def attribute(self, node: cst.Attribute, env: dict[str, ir.IR]) -> ir.IR:
        attr = node.attr.value
        if isinstance(node.value, cst.Name) and self.scope.self_name == node.value.value:
            if attr == "training":
                return ir.TRAINING
            if f"self.{attr}" in env:
                return env[f"self.{attr}"]
        obj = self.expr(node.value, env)
        if isinstance(obj, ir.Global):
            return ir.Global(obj.module, f"{obj.name}.{attr}" if obj.name else attr, obj.level, obj.origin)
        return ir.Attr(obj, attr)

    def call(self, node: cst.Call, env: dict[str, ir.IR]) -> ir.IR:
        func_node = node.func
        if isinstance(func_node, cst.Name) and func_node.value == "super" and self.scope.cls is not None:
            func: ir.IR = ir.SuperRef(self.scope.cls)
        else:
            func = self.expr(func_node, env)
        args: list[ir.IR] = []
        kwargs: list[tuple[str, ir.IR]] = []
        for arg in node.args:
            value = self.expr(arg.value, env)
            if arg.keyword is not None:
                kwargs.append((arg.keyword.value, value))
            elif arg.star == "*":
                args.append(ir.Starred(value))
            elif arg.star == "**":
                kwargs.append(("**", value))
            else:
                args.append(value)
        call = ir.Call(func, tuple(args), tuple(kwargs), self.site(node))
        callee = _callee_name(func_node)
        if callee is not None:
            self.facts.calls.append(CallFact(call, self.scope.key, callee, self.scope.contexts, self.scope.path))
        return call

    def subscript(self, node: cst.Subscript, env: dict[str, ir.IR]) -> ir.IR:
        obj = self.expr(node.value, env)
        index: ir.IR = ir.UNKNOWN
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            index = self.expr(node.slice[0].slice.value, env)
        elif len(node.slice) == 1:  # x[a:b]
            index = ir.SLICE
            self.walk_for_calls(node.slice[0], env)
        else:
            for element in node.slice:
                self.walk_for_calls(element, env)
        return ir.Item(obj, index)

    def sequence(self, node: cst.Tuple | cst.List, env, kind) -> ir.IR:
        items: list[ir.IR] = []
        for element in node.elements:
            value = self.expr(element.value, env)
            items.append(ir.Starred(value) if isinstance(element, cst.StarredElement) else value)
        return kind(tuple(items))

    def comparison(self, node: cst.Comparison, env: dict[str, ir.IR]) -> ir.IR:
        left = self.expr(node.left, env)
        rights = [self.expr(c.comparator, env) for c in node.comparisons]
        if len(node.comparisons) != 1:
            return ir.UNKNOWN
        operator = node.comparisons[0].operator
        right = rights[0]
        if isinstance(operator, (cst.Is, cst.IsNot)) and isinstance(right, ir.Const) and right.value is None:
            return ir.IsNone(left, negated=isinstance(operator, cst.IsNot))
        if (
            isinstance(operator, cst.Equal)
            and isinstance(left, ir.ModuleName)
            and left.name == "__name__"
            and isinstance(right, ir.Const)
            and right.value == "__main__"
        ):
            return ir.Const(True)  # a script's main block runs
        op = _COMPARISONS.get(type(operator))
        return ir.Compare(left, op, right) if op is not None else ir.UNKNOWN


_BINARY = {
    cst.Add: "+",
    cst.Subtract: "-",
    cst.Multiply: "*",
    cst.Divide: "/",
    cst.MatrixMultiply: "@",
    cst.Power: "**",
    cst.FloorDivide: "//",
    cst.Modulo: "%",
}
_AUGMENTED = {
    cst.AddAssign: "+",
    cst.SubtractAssign: "-",
    cst.MultiplyAssign: "*",
    cst.DivideAssign: "/",
    cst.MatrixMultiplyAssign: "@",
}

# Decorators that never register anything (not recorded as registrations).
_PLAIN_DECORATORS = frozenset(
    {"property", "staticmethod", "classmethod", "dataclass", "wraps", "no_grad", "cached_property",
     "abstractmethod", "setter", "getter", "overload", "override", "jit", "script", "lru_cache", "cache",
     "enable_grad", "inference_mode", "total_ordering", "unique", "contextmanager", "fixture"}
)

_COMPARISONS = {
    cst.Equal: "==",
    cst.NotEqual: "!=",
    cst.LessThan: "<",
    cst.LessThanEqual: "<=",
    cst.GreaterThan: ">",
    cst.GreaterThanEqual: ">=",
    cst.In: "in",
    cst.NotIn: "not in",
}


def _syntax_error(path: str, source: str, exc: cst.ParserSyntaxError) -> SyntaxErrorFact:
    """Python's own message and position when it agrees the code is invalid (clearer)."""
    try:
        compile(source, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        return SyntaxErrorFact(f"SyntaxError: {error.msg}", error.lineno or 1, error.offset or 1)
    except (ValueError, RecursionError, MemoryError):
        pass
    return SyntaxErrorFact(f"SyntaxError: {exc.message}", exc.raw_line, exc.raw_column + 1)


def _merge(test: ir.IR, then: dict[str, ir.IR], orelse: dict[str, ir.IR]) -> dict[str, ir.IR]:
    merged: dict[str, ir.IR] = {}
    for name in then.keys() | orelse.keys():
        a = then.get(name, ir.UNDEFINED)
        b = orelse.get(name, ir.UNDEFINED)
        if a is b or b is ir.UNDEFINED:
            merged[name] = a
        elif a is ir.UNDEFINED:
            merged[name] = b
        else:
            merged[name] = ir.Cond(test, a, b)
    return merged


def _returns(returns: list[tuple[tuple[ir.IR, ...], ir.IR]]) -> ir.IR:
    """[(path, value), ...] in source order -> one Cond chain."""
    result: ir.IR = ir.UNDEFINED
    for path, value in reversed(returns):
        result = value if not path else ir.Cond(ir.AllOf(path), value, result)
    return result


def _else_body(orelse: cst.If | cst.Else | None) -> Sequence[cst.CSTNode]:
    if orelse is None:
        return ()
    if isinstance(orelse, cst.If):  # elif
        return (orelse,)
    return orelse.body.body


def dotted_name(node: cst.BaseExpression | None) -> str:
    """`torch.nn.functional` for the Name/Attribute chain that spells it, else ""."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    return ""


def _asname(alias: cst.ImportAlias) -> str:
    return alias.asname.name.value if isinstance(alias.asname.name, cst.Name) else ""


def _decorator_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Call):
        node = node.func
    return dotted_name(node).rsplit(".", 1)[-1]


def _callee_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Call):  # super().forward(x), make()(x)
        return _callee_name(node.func)
    if isinstance(node, cst.Subscript):  # ZOO[arch](...), self.criteria[k](out, y)
        return SUBSCRIPT_CALLEE
    return None
