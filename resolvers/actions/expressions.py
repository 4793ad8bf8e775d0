"""Rule expressions, parsed by a real grammar (lark, LALR) into an AST and evaluated safely:

    status = 'paid' and total > 100
    @has_role('admin') or @owns_record()
    customer_id = '{{request.params.customer_id}}' and tags contains 'vip'

Names are looked up in plain data (dict keys, list indexes), never as Python attributes; nothing
is ever evaluated as code. A template inside an expression is a value: it is resolved after
parsing and bound as data, so it can never change the expression's structure (and in record
filters it reaches SQL only as a bound parameter). A syntax error names its line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

from resolvers.errors import ValidationError

MAX_EXPRESSION = 2000

GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr | or_expr _OR and_expr -> or_
?and_expr: not_expr | and_expr _AND not_expr -> and_
?not_expr: comparison | _NOT not_expr -> not_
?comparison: operand
    | operand COMPARE operand -> compare
    | operand _IN list -> in_
    | operand _NOT _IN list -> not_in
    | operand _IS _NULL -> is_null
    | operand _IS _NOT _NULL -> is_not_null
    | operand TEXT_OP operand -> text_op
?operand: literal | path | template | call | list | "(" or_expr ")"
list: "[" [operand ("," operand)*] "]"
call: "@" NAME "(" [operand ("," operand)*] ")"
path: NAME ("." NAME | "[" INT "]")*
template: TEMPLATE
literal: STRING -> string
    | SIGNED_NUMBER -> number
    | _TRUE -> true
    | _FALSE -> false
    | _NULL -> null

COMPARE: "!=" | "<=" | ">=" | "=" | "<" | ">"
TEXT_OP.2: /(contains|starts_with|icontains)\b/i
_OR.2: /or\b/i
_AND.2: /and\b/i
_NOT.2: /not\b/i
_IN.2: /in\b/i
_IS.2: /is\b/i
_NULL.2: /null\b/i
_TRUE.2: /true\b/i
_FALSE.2: /false\b/i
TEMPLATE: /\{\{[^{}]{0,200}\}\}/
STRING: /'(?:[^'\\]|\\.)*'/ | /"(?:[^"\\]|\\.)*"/
NAME: /[A-Za-z_][A-Za-z0-9_]*/
%import common.SIGNED_NUMBER
%import common.INT
%import common.WS
%ignore WS
"""


# --- the AST -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Path:
    parts: tuple[str | int, ...]

    @property
    def dotted(self) -> str:
        return ".".join(str(p) for p in self.parts)


@dataclass(frozen=True)
class Template:
    text: str  # with its braces; a text template inside a string literal stays in the Literal


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple["Expr", ...]


@dataclass(frozen=True)
class ListOf:
    items: tuple["Expr", ...]


@dataclass(frozen=True)
class Compare:
    op: str  # = != < <= > >= in nin contains icontains starts_with is_null is_not_null
    left: "Expr"
    right: "Expr | None"


@dataclass(frozen=True)
class Logic:
    op: str  # and | or | not
    children: tuple["Expr", ...]


Expr = Literal | Path | Template | Call | ListOf | Compare | Logic


@v_args(inline=True)
class _Build(Transformer):  # type: ignore[type-arg]
    def string(self, token: Token) -> Literal:
        return Literal(_unquote(str(token)))

    def number(self, token: Token) -> Literal:
        text = str(token)
        return Literal(float(text) if any(c in text for c in ".eE") else int(text))

    def true(self) -> Literal:
        return Literal(True)

    def false(self) -> Literal:
        return Literal(False)

    def null(self) -> Literal:
        return Literal(None)

    def path(self, *parts: Token) -> Path:
        return Path(tuple(int(p) if p.type == "INT" else str(p) for p in parts))

    def template(self, token: Token) -> Template:
        return Template(str(token))

    def list(self, *items: Expr | None) -> ListOf:
        return ListOf(tuple(i for i in items if i is not None))

    def call(self, name: Token, *args: Expr | None) -> Call:
        return Call(str(name), tuple(a for a in args if a is not None))

    def compare(self, left: Expr, op: Token, right: Expr) -> Compare:
        return Compare(str(op), left, right)

    def text_op(self, left: Expr, op: Token, right: Expr) -> Compare:
        return Compare(str(op).lower(), left, right)

    def in_(self, left: Expr, items: ListOf) -> Compare:
        return Compare("in", left, items)

    def not_in(self, left: Expr, items: ListOf) -> Compare:
        return Compare("nin", left, items)

    def is_null(self, left: Expr) -> Compare:
        return Compare("is_null", left, None)

    def is_not_null(self, left: Expr) -> Compare:
        return Compare("is_not_null", left, None)

    def and_(self, left: Expr, right: Expr) -> Logic:
        return Logic("and", (left, right))

    def or_(self, left: Expr, right: Expr) -> Logic:
        return Logic("or", (left, right))

    def not_(self, child: Expr) -> Logic:
        return Logic("not", (child,))


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", maybe_placeholders=True)


@lru_cache(maxsize=512)
def parse(text: str, *, field: str = "condition") -> Expr:
    """The AST of `text`, or 400 naming `field` with the line and column of the error."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_EXPRESSION:
        raise ValidationError.single(field, f"must be an expression of 1 to {MAX_EXPRESSION} characters")
    try:
        return _Build().transform(_parser().parse(text))  # type: ignore[no-any-return]
    except UnexpectedEOF:
        raise ValidationError.single(field, "is incomplete: the expression ends too early") from None
    except (UnexpectedCharacters, UnexpectedInput) as exc:
        raise ValidationError.single(field, f"syntax error at line {exc.line}, column {exc.column}") from None
    except LarkError as exc:
        raise ValidationError.single(field, f"is not a valid expression: {exc}") from None


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def calls(expr: Expr) -> list[Call]:
    """Every function call in the expression."""
    found: list[Call] = []
    stack: list[Expr | None] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Call):
            found.append(node)
            stack.extend(node.args)
        elif isinstance(node, Logic):
            stack.extend(node.children)
        elif isinstance(node, Compare):
            stack.extend((node.left, node.right))
        elif isinstance(node, ListOf):
            stack.extend(node.items)
    return found


# --- evaluation --------------------------------------------------------------------------------

Resolver = Callable[[Path], Any]  # a name -> its value (plain data)
TemplateResolver = Callable[[str], Any]  # "{{...}}" -> its value
Function = Callable[..., Any]


def evaluate(expr: Expr, names: Resolver, templates: TemplateResolver, functions: dict[str, Function]) -> Any:
    if isinstance(expr, Literal):
        return templates(expr.value) if isinstance(expr.value, str) and "{{" in expr.value else expr.value
    if isinstance(expr, Path):
        return names(expr)
    if isinstance(expr, Template):
        return templates(expr.text)
    if isinstance(expr, ListOf):
        return [evaluate(i, names, templates, functions) for i in expr.items]
    if isinstance(expr, Call):
        function = functions.get(expr.name)
        if function is None:
            raise ValidationError.single("condition", f"@{expr.name} is not a function; use {', '.join('@' + f for f in functions)}")
        return function(*(evaluate(a, names, templates, functions) for a in expr.args))
    if isinstance(expr, Logic):
        if expr.op == "not":
            return not _truthy(evaluate(expr.children[0], names, templates, functions))
        results = (_truthy(evaluate(c, names, templates, functions)) for c in expr.children)
        return all(results) if expr.op == "and" else any(results)
    left = evaluate(expr.left, names, templates, functions)
    right = evaluate(expr.right, names, templates, functions) if expr.right is not None else None
    return compare(expr.op, left, right)


def compare(op: str, left: Any, right: Any) -> bool:
    if op == "is_null":
        return left is None
    if op == "is_not_null":
        return left is not None
    if op in ("in", "nin"):
        found = isinstance(right, list) and any(_equal(left, r) for r in right)
        return found if op == "in" else not found
    if op == "=":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    if op in ("contains", "icontains", "starts_with"):
        return _text_op(op, left, right)
    if left is None or right is None:
        return False
    try:
        a, b = _comparable(left, right)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    except TypeError:
        return False


def _equal(left: Any, right: Any) -> bool:
    try:
        a, b = _comparable(left, right)
    except TypeError:
        return False
    return bool(a == b)


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Numbers compare as numbers (a numeric string from a template too); the rest as they are."""
    if isinstance(left, bool) or isinstance(right, bool):
        return left, right
    if isinstance(left, (int, float)) and isinstance(right, str):
        return left, float(right) if _numeric(right) else right
    if isinstance(right, (int, float)) and isinstance(left, str):
        return float(left) if _numeric(left) else left, right
    return left, right


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(\.\d+)?", text.strip()))


def _text_op(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, list):
        return op == "contains" and any(_equal(item, right) for item in left)
    if not isinstance(left, str) or not isinstance(right, str):
        return False
    if op == "contains":
        return right in left
    if op == "icontains":
        return right.lower() in left.lower()
    return left.startswith(right)


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "", [], {})
