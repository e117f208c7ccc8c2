"""Surfaces typed as text: ``le.surface("sin(3*x) + 0.5*x**2 + 0.5*y**2")``.

The text is parsed with Python's ``ast`` into a whitelist of node types and built into a sympy
expression node by node; nothing is ever evaluated (sympy's ``parse_expr``/``sympify`` call
``eval`` and never see the user's text). Gradient and Hessian are differentiated symbolically and
printed, with common subexpressions shared, as elementwise numpy source: the same kind of formula
functions as the built-in surfaces, so the numpy engine, the fused (numba) engine, critical points,
verdicts and basins run on a typed surface exactly as on a built-in.

Grammar: numbers, ``x``, ``y``, named parameters, ``+ - * / **`` (and ``^`` for power), unary
minus, parentheses, the constants ``pi`` and ``e``, and the functions in ``FUNCTIONS``.
Limits on length, nesting, literal size and constant exponents keep hostile text (``9**9**9``,
thousands of nested parentheses, ``__import__('os')``, attribute access, lambdas) from running
anything or hanging: each is refused at once with a one-line message that points at the token.

sympy is imported only when an expression is first built.
"""
from __future__ import annotations

import ast
import math
import re
from collections import OrderedDict
from typing import Any, Callable, Mapping

import numpy as np

from .surfaces import KnownPoint, Surface, add_surface_resolver
from .validation import check_bounds

MAX_LENGTH = 1000  # characters
MAX_NESTING = 40  # parentheses and function calls inside each other
MAX_NODES = 400  # numbers, names, operators and calls
MAX_LITERAL_DIGITS = 40  # characters of one number
MAX_EXPONENT = 100  # |n| of a constant exponent: x**100 is fine, 9**9**9 is not
MAX_PARAMS = 20
DEFAULT_BOUNDS = ((-3.0, 3.0), (-3.0, 3.0))

# name -> (number of arguments, how to build it from sympy arguments)
FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {}
RESERVED = {"x", "y", "pi", "e"}
_SIGNATURES = ("sin", "cos", "tan", "asin", "acos", "atan", "atan2(y, x)", "sinh", "cosh", "tanh",
               "asinh", "acosh", "atanh", "exp", "log", "log10", "log2", "sqrt", "cbrt", "abs",
               "sign", "min(a, b)", "max(a, b)")
GRAMMAR = ("numbers, x, y, named parameters, + - * / ** (^ also means power), unary minus, "
           "parentheses, pi, e, and the functions " + ", ".join(_SIGNATURES))


def function_signatures() -> tuple[str, ...]:
    """The functions a typed surface may call, as a user writes them ("atan2(y, x)")."""
    return _SIGNATURES


def function_names() -> tuple[str, ...]:
    """The names of the functions the parser accepts (what ``function_signatures`` shows)."""
    return tuple(_functions())


class ExpressionError(ValueError):
    """A typed expression that cannot be used; the message names the offending token."""

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message if column is None else f"{message} (at column {column + 1})")
        self.column = column


def _functions():
    if FUNCTIONS:
        return FUNCTIONS
    import sympy as sp

    one = {
        "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "asin": sp.asin, "acos": sp.acos,
        "atan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "asinh": sp.asinh,
        "acosh": sp.acosh, "atanh": sp.atanh, "exp": sp.exp, "log": sp.log,
        "log10": lambda a: sp.log(a) / sp.log(10), "log2": lambda a: sp.log(a) / sp.log(2),
        "sqrt": sp.sqrt, "cbrt": lambda a: sp.sign(a) * sp.Abs(a) ** sp.Rational(1, 3),
        "abs": sp.Abs, "sign": sp.sign,
    }
    for name, fn in one.items():
        FUNCTIONS[name] = (1, fn)
    FUNCTIONS["atan2"] = (2, sp.atan2)
    FUNCTIONS["min"] = (2, sp.Min)
    FUNCTIONS["max"] = (2, sp.Max)
    return FUNCTIONS


# ---------------------------------------------------------------------------------------------
# Parsing: text -> sympy, through a whitelist of ast nodes.


def _check_text(text: str) -> str:
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression too long: {len(text)} characters (at most {MAX_LENGTH})")
    if not text.strip():
        raise ExpressionError("empty expression: type a function of x and y, e.g. x**2 + y**2")
    for i, ch in enumerate(text):
        if not (ch.isascii() and (ch.isprintable() or ch in " \t")):
            raise ExpressionError(f"unexpected character {ch!r}", i)
    # Nesting is checked on the text before Python's parser sees it (its own recursion limit
    # would answer 10,000 parentheses with a RecursionError or MemoryError).
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
            if depth > MAX_NESTING:
                raise ExpressionError(f"expression nested too deeply (more than {MAX_NESTING} "
                                      "levels of parentheses)", i)
        elif ch in ")]}":
            depth -= 1
    # ^ is power, as people write it on paper (Python's ** also works).
    return text.replace("^", "**")


def parse_expression(text: str, params: Mapping[str, float] | None = None):
    """The sympy expression for ``text`` (see the module docstring for the grammar), with the
    parameters' values substituted. Raises ExpressionError naming the offending token."""
    import sympy as sp

    source = _check_text(text)
    params = _check_params(params)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        col = None if e.offset is None else max(0, e.offset - 1)
        raise ExpressionError(f"syntax error: {e.msg}", col) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("expression too complex to parse") from None
    funcs = _functions()
    x, y = sp.symbols("x y", real=True)
    names = {"x": x, "y": y, "pi": sp.pi, "e": sp.E}
    names.update({k: sp.Float(v) if not float(v).is_integer() else sp.Integer(int(v))
                  for k, v in params.items()})
    count = [0]

    def build(node, depth):
        count[0] += 1
        if count[0] > MAX_NODES:
            raise ExpressionError(f"expression too large (more than {MAX_NODES} terms)",
                                  getattr(node, "col_offset", None))
        if depth > MAX_NESTING:
            raise ExpressionError("expression nested too deeply", getattr(node, "col_offset", None))
        if isinstance(node, ast.Expression):
            return build(node.body, depth)
        if isinstance(node, ast.Constant):
            return _number(node, source)
        if isinstance(node, ast.Name):
            if node.id in names:
                return names[node.id]
            if node.id in funcs:
                raise ExpressionError(f"{node.id} is a function: call it, e.g. {node.id}(x)",
                                      node.col_offset)
            known = sorted(set(names) - {"pi", "e"})
            raise ExpressionError(
                f"unknown name {node.id!r}: use x, y, pi, e"
                + (f", the parameters {', '.join(k for k in known if k not in ('x', 'y'))}"
                   if params else " or pass it as a parameter"), node.col_offset)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = build(node.operand, depth + 1)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a = build(node.left, depth + 1)
            b = build(node.right, depth + 1)
            op = node.op
            if isinstance(op, ast.Add):
                return a + b
            if isinstance(op, ast.Sub):
                return a - b
            if isinstance(op, ast.Mult):
                return a * b
            if isinstance(op, ast.Div):
                if b.is_zero:
                    raise ExpressionError("division by zero", node.right.col_offset)
                return a / b
            if isinstance(op, (ast.Pow, ast.BitXor)):
                return _power(a, b, node)
            raise ExpressionError(f"operator {_token(source, node)!r} is not allowed: use "
                                  "+ - * / ** or ^", node.col_offset)
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise ExpressionError(f"{_token(source, node.func)!r} cannot be called: only "
                                      "the listed functions can", node.col_offset)
            name = node.func.id
            if name not in funcs:
                raise ExpressionError(f"unknown function {name!r}; known: "
                                      f"{', '.join(sorted(funcs))}", node.col_offset)
            if node.keywords:
                raise ExpressionError(f"{name}() takes no named arguments", node.col_offset)
            arity, fn = funcs[name]
            if len(node.args) != arity or any(isinstance(a, ast.Starred) for a in node.args):
                raise ExpressionError(f"{name}() takes {arity} argument{'s' * (arity > 1)}, "
                                      f"got {len(node.args)}", node.col_offset)
            return fn(*(build(a, depth + 1) for a in node.args))
        raise ExpressionError(f"{_token(source, node)!r} is not allowed in an expression: use "
                              f"{GRAMMAR}", getattr(node, "col_offset", None))

    expr = build(tree, 0)
    expr = sp.sympify(expr)  # a plain number (e.g. "2") becomes a sympy Integer; no text parsed
    if not (expr.free_symbols <= {x, y}):
        raise ExpressionError("the expression may depend on x and y only")
    if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        raise ExpressionError("the expression is infinite or undefined everywhere")
    return expr


def _token(source: str, node) -> str:
    seg = ast.get_source_segment(source, node)
    return (seg or type(node).__name__)[:40]


def _number(node: ast.Constant, source: str):
    import sympy as sp

    v = node.value
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ExpressionError(f"{_token(source, node)!r} is not a number", node.col_offset)
    text = ast.get_source_segment(source, node) or repr(v)
    if len(text) > MAX_LITERAL_DIGITS:
        raise ExpressionError(f"number too long ({len(text)} characters, at most "
                              f"{MAX_LITERAL_DIGITS})", node.col_offset)
    if isinstance(v, float) and not math.isfinite(v):
        raise ExpressionError(f"number {text} is out of range", node.col_offset)
    if isinstance(v, int) and abs(v) > 1e300:
        raise ExpressionError(f"number {text} is out of range", node.col_offset)
    # Exact, as written: 0.1 is 1/10, so polynomials keep exact coefficients.
    return sp.Integer(v) if isinstance(v, int) else sp.Rational(text.replace("_", ""))


def _power(a, b, node):
    import sympy as sp

    if b.is_number:
        try:
            bv = float(b)
        except (TypeError, ValueError):
            raise ExpressionError("the exponent must be a real number", node.right.col_offset) \
                from None
        if not math.isfinite(bv) or abs(bv) > MAX_EXPONENT:
            raise ExpressionError(f"exponent too large: at most {MAX_EXPONENT} in size",
                                  node.right.col_offset)
        if a.is_number:
            try:
                av = float(a)
            except (TypeError, ValueError):
                av = math.nan
            if av == 0 and bv < 0:
                raise ExpressionError("0 to a negative power is undefined", node.col_offset)
            if math.isfinite(av) and av != 0 and abs(bv * math.log10(abs(av))) > 300:
                raise ExpressionError("constant power out of range", node.col_offset)
    return sp.Pow(a, b)


def _check_params(params) -> dict[str, float]:
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise ExpressionError(f"params must be a mapping of names to numbers, got {params!r}")
    if len(params) > MAX_PARAMS:
        raise ExpressionError(f"too many parameters: {len(params)} (at most {MAX_PARAMS})")
    out = {}
    funcs = _functions()
    for k, v in params.items():
        if not (isinstance(k, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,30}", k)):
            raise ExpressionError(f"invalid parameter name {k!r}: use a short identifier such as a")
        if k in RESERVED or k in funcs or k.startswith("__"):
            raise ExpressionError(f"invalid parameter name {k!r}: it is reserved")
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise ExpressionError(f"invalid parameter {k}: {v!r} (must be a number)")
        try:
            fv = float(v)
        except OverflowError:
            fv = math.inf
        if not math.isfinite(fv) or abs(fv) > 1e150:
            raise ExpressionError(f"invalid parameter {k}: {v!r} (must be a finite number of at "
                                  "most 1e150 in size)")
        out[k] = fv
    return out


# ---------------------------------------------------------------------------------------------
# Code generation: sympy -> elementwise numpy formula functions (numba-compilable).


def _printer():
    from sympy.printing.numpy import NumPyPrinter

    class ElementwisePrinter(NumPyPrinter):
        """Prints only arithmetic and numpy ufuncs that work on arrays and on numba scalars."""

        def _print_Heaviside(self, expr):
            a = self._print(expr.args[0])
            return f"(0.5 * (numpy.sign({a}) + 1.0))"

        def _print_Min(self, expr):
            return self._fold("numpy.minimum", expr.args)

        def _print_Max(self, expr):
            return self._fold("numpy.maximum", expr.args)

        def _fold(self, fn, args):
            out = self._print(args[0])
            for a in args[1:]:
                out = f"{fn}({out}, {self._print(a)})"
            return out

        def _print_DiracDelta(self, expr):
            # The derivative of a step (sign, abs', min', max'): zero everywhere but on the
            # kink, where the gradient is undefined anyway.
            return "0.0"

        def _print_sign(self, expr):
            return f"numpy.sign({self._print(expr.args[0])})"

        def _print_Abs(self, expr):
            return f"numpy.abs({self._print(expr.args[0])})"

        def _print_Rational(self, expr):
            return repr(float(expr))

        def _print_Integer(self, expr):
            return repr(float(expr))

        def _print_Float(self, expr):
            return repr(float(expr))

    return ElementwisePrinter({"fully_qualified_modules": True, "allow_unknown_functions": False})


def _source(name: str, outputs, printer) -> str:
    import sympy as sp

    replacements, reduced = sp.cse(list(outputs), symbols=sp.numbered_symbols("t"),
                                   optimizations="basic")
    lines = [f"def {name}(x, y):"]
    for sym, sub in replacements:
        lines.append(f"    {sym} = {printer.doprint(sub)}")
    lines.append(f"    return {', '.join(printer.doprint(e) for e in reduced)}")
    return "\n".join(lines) + "\n"


def formula_functions(expr) -> tuple[Callable, Callable, Callable, str]:
    """(f_value, f_grad, f_hessian, source) for a sympy expression of x and y."""
    import sympy as sp

    x, y = sp.symbols("x y", real=True)
    gx, gy = sp.diff(expr, x), sp.diff(expr, y)
    hxx, hxy, hyy = sp.diff(gx, x), sp.diff(gx, y), sp.diff(gy, y)
    pr = _printer()
    src = "\n\n".join([
        _source("f_value", [expr], pr),
        _source("f_grad", [gx, gy], pr),
        _source("f_hessian", [hxx, hxy, hyy], pr),
    ])
    namespace: dict[str, Any] = {"numpy": np}
    exec(compile(src, "<landscape_explorer typed surface>", "exec"), namespace)
    return namespace["f_value"], namespace["f_grad"], namespace["f_hessian"], src


# ---------------------------------------------------------------------------------------------
# Surfaces.

_CACHE: "OrderedDict[tuple, Surface]" = OrderedDict()
_CACHE_SIZE = 64


def _check_bounds(bounds):
    return DEFAULT_BOUNDS if bounds is None else check_bounds(bounds)


def looks_like_expression(text: str) -> bool:
    """Whether ``text`` is meant as a formula rather than a surface name: a bare word is a name
    (a typo of one gets the list of names), anything with an operator, call or x/y a formula."""
    t = text.strip()
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", t):
        return t in ("x", "y")
    return True


def expression_surface(text: str, params: Mapping[str, float] | None = None,
                       bounds=None) -> Surface:
    """A Surface for the typed function ``text`` of x and y (cached: the same text, parameters
    and bounds give the same Surface object, so per-surface caches keep working)."""
    params_ = _check_params(params)
    b = _check_bounds(bounds)
    key = (text.strip() if isinstance(text, str) else text, tuple(sorted(params_.items())), b)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    expr = parse_expression(text, params_)
    f_value, f_grad, f_hessian, _ = formula_functions(expr)
    name = text.strip()
    surf = Surface(
        name=name,
        title="f(x, y) = " + pretty(expr),
        formula=pretty(expr),
        description="A function you typed. Its gradient and Hessian are exact: differentiated "
                    "symbolically with sympy.",
        bounds=b,
        known_points=(),
        f_value=f_value, f_grad=f_grad, f_hessian=f_hessian,
        params=tuple(sorted(params_.items())),
        expression=name,
        domain_limited=has_undefined_region(expr),
    )
    _CACHE[key] = surf
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return surf


def has_undefined_region(expr) -> bool:
    """Whether f may be undefined somewhere in the real plane: it takes a log, a root or an
    inverse function (asin, acos, acosh, atanh) of something that can be out of that function's
    domain. Poles (1/x) are single lines where f is infinite, not regions: they are left out, so
    such surfaces keep the fused engine."""
    import sympy as sp

    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.log) and not node.args[0].is_positive:
            return True
        if isinstance(node, (sp.asin, sp.acos, sp.acosh, sp.atanh)):
            return True
        if isinstance(node, sp.Pow) and not node.exp.is_integer and \
                not node.base.is_nonnegative:
            return True
    return False


def pretty(expr) -> str:
    """One line of unicode math for a sympy expression (x², √x, π), for titles and labels."""
    import sympy as sp

    s = sp.sstr(expr)
    s = s.replace("**", "^").replace("*", "·").replace("sqrt", "√").replace("pi", "π")
    return re.sub(r"\^(\d)(?!\d|\.)", lambda m: "⁰¹²³⁴⁵⁶⁷⁸⁹"[int(m.group(1))], s)


def _reads_as_a_name(text: str, params) -> bool:
    """Text that never mentions x or y but has a word that is no constant, function or parameter
    ("no-such-surface", "rosenbrok") is a mistyped surface name, not a formula."""
    try:
        tree = ast.parse(_check_text(text).strip(), mode="eval")
    except (ExpressionError, SyntaxError, ValueError, RecursionError, MemoryError):
        return False  # not parseable: let the parser say why, at the token
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if names & {"x", "y"}:
        return False
    return bool(names - RESERVED - set(_functions()) - set(params or {}))


def _resolve(name, params=None, bounds=None, dataset=None):
    # A mistyped surface name is not a formula: surface() then lists the valid names.
    if isinstance(name, str) and looks_like_expression(name) and \
            not _reads_as_a_name(name, params):
        if dataset is not None:
            raise ExpressionError("a typed function takes params and bounds, not a dataset")
        return expression_surface(name, params, bounds)
    return None


add_surface_resolver(_resolve)


# ---------------------------------------------------------------------------------------------
# Exact critical points of polynomial surfaces (a cross-check of the numeric search).

MAX_EXACT_DEGREE = 6


def exact_critical_points(surface: Surface) -> list[KnownPoint] | None:
    """The real critical points of a typed *polynomial* surface, found symbolically (sympy's
    polynomial system solver) and classified by the Hessian, inside the surface's bounds; None
    when the surface is not a polynomial of total degree at most MAX_EXACT_DEGREE, or the
    solver cannot give them all (a continuum of critical points, say)."""
    import sympy as sp

    if not surface.expression:
        return None
    expr = parse_expression(surface.expression, dict(surface.params))
    x, y = sp.symbols("x y", real=True)
    if not expr.is_polynomial(x, y):
        return None
    poly = sp.Poly(expr, x, y)
    if poly.total_degree() > MAX_EXACT_DEGREE:
        return None
    gx, gy = sp.diff(expr, x), sp.diff(expr, y)
    sols = _real_solutions(gx, gy, x, y)
    if sols is None:
        return None
    (x0, x1), (y0, y1) = surface.bounds
    out = []
    for px, py in sols:
        if not (x0 <= px <= x1 and y0 <= py <= y1):
            continue
        h = surface.hessian([px, py])
        lo, hi = np.linalg.eigvalsh(h)
        kind = "local_min" if lo > 0 else "max" if hi < 0 else "saddle" if lo < 0 < hi else \
            "degenerate"
        out.append(KnownPoint((px, py), float(surface.value([px, py])), kind))
    mins = [p for p in out if p.kind == "local_min"]
    out.sort(key=lambda p: (p.xy[0], p.xy[1]))
    if mins:
        best = min(p.value for p in mins)
        out = [KnownPoint(p.xy, p.value, "global_min") if p.kind == "local_min" and
               p.value <= best + 1e-12 * max(1.0, abs(best)) else p for p in out]
    return out


def _real_solutions(gx, gy, x, y, digits: int = 30):
    """Real solutions of the polynomial system gx = gy = 0, through a lexicographic Groebner
    basis (its last polynomial is in y alone; each real root of it is put back and the rest
    solved for x); None if the solutions are not isolated points."""
    import sympy as sp

    if gx == 0 and gy == 0:
        return None
    G = sp.groebner([gx, gy], x, y, order="lex")
    if not G.is_zero_dimensional:
        return None
    polys = [sp.Poly(g, x, y) for g in G.exprs]
    in_y = [p for p in polys if p.degree(x) == 0]
    if not in_y:
        return None
    out = []
    for yr in sp.Poly(in_y[-1].as_expr(), y).nroots(n=digits, maxsteps=200):
        if abs(sp.im(yr)) > 10 ** (-digits // 2):
            continue
        yv = sp.re(yr)
        in_x = [sp.Poly(p.as_expr().subs(y, yv), x) for p in polys if p.degree(x) > 0]
        in_x = [p for p in in_x if not p.is_zero]
        if not in_x:
            return None  # a line of critical points
        base = min(in_x, key=lambda p: p.degree())
        for xr in base.nroots(n=digits, maxsteps=200):
            if abs(sp.im(xr)) > 10 ** (-digits // 2):
                continue
            xv = sp.re(xr)
            res = max(abs(float(sp.N(g.subs({x: xv, y: yv}), digits))) for g in (gx, gy))
            scale = 1.0 + max(abs(float(xv)), abs(float(yv))) ** max(1, sp.Poly(gx, x, y)
                                                                     .total_degree())
            if res <= 1e-9 * scale:
                out.append((float(xv), float(yv)))
    # Double roots appear twice.
    uniq: list[tuple[float, float]] = []
    for p in out:
        if all(math.hypot(p[0] - q[0], p[1] - q[1]) > 1e-9 for q in uniq):
            uniq.append(p)
    return uniq
