"""One search vocabulary: every `SearchFilter` field with its name in a URL query (the web
form's field), its command-line option, its label and its help, written once here. The web
form, My alerts, the API (which takes `SearchFilter` itself) and the CLI all read this table,
and a test walks every field through each of them.

Besides the fields there is one shorthand, "closing within N days" (`closing=N`,
`--closing-within N`): deadlines from today to N days on, in Amsterdam days.

Labels are English message ids, marked with `N_` for Babel's extraction; the web pages
translate them, the CLI prints its help as written.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import Any, Literal, Protocol
from urllib.parse import urlencode

from pydantic import ValidationError

from schemas.search import SearchFilter


def N_(message: str) -> str:  # noqa: N802 - Babel's default keyword for a message id marked only
    return message


@dataclass(frozen=True)
class Term:
    field: str  # the SearchFilter field
    param: str  # its name in a URL query and the web form
    option: str  # its command-line option, without the dashes
    label: str  # what the form and My alerts call it (a message id)
    help: str  # the command line's help


TERMS: tuple[Term, ...] = (
    Term(
        "keyword",
        "q",
        "keyword",
        N_("Keywords"),
        "Words that must all occur (Dutch stemming: 'projectleiders' finds 'projectleider').",
    ),
    Term(
        "regions",
        "region",
        "region",
        N_("Province"),
        "Province, in Dutch or English, any case (Overijssel, north holland); repeat for several.",
    ),
    Term(
        "pay_scale_min",
        "pay_min",
        "pay-scale-min",
        N_("Pay scale from"),
        "Lowest pay scale (functieschaal) wanted.",
    ),
    Term(
        "pay_scale_max", "pay_max", "pay-scale-max", N_("Pay scale to"), "Highest pay scale wanted."
    ),
    Term(
        "hours_min",
        "hours_min",
        "hours-min",
        N_("Hours per week from"),
        "Fewest hours per week wanted.",
    ),
    Term(
        "hours_max",
        "hours_max",
        "hours-max",
        N_("Hours per week to"),
        "Most hours per week wanted.",
    ),
    Term(
        "deadline_after",
        "deadline_after",
        "deadline-after",
        N_("Deadline from"),
        "Closing on or after this date (YYYY-MM-DD, Amsterdam).",
    ),
    Term(
        "deadline_before",
        "deadline_before",
        "deadline-before",
        N_("Deadline to"),
        "Closing on or before this date (YYYY-MM-DD, Amsterdam).",
    ),
    Term(
        "education_level",
        "education",
        "education-level",
        N_("Education level"),
        "Education level asked (any case).",
    ),
    Term(
        "das",
        "das",
        "das",
        N_("Dynamic purchasing system (DAS)"),
        "Only DAS assignments / only others.",
    ),
    Term(
        "zzp_allowed",
        "zzp",
        "zzp",
        N_("Open to solo freelancers (ZZP)"),
        "Only those open to / closed to solo freelancers.",
    ),
    Term("client", "client", "client", N_("Client"), "Client organisation, exactly (any case)."),
    Term(
        "sources",
        "source",
        "source",
        N_("Platform"),
        "Only listings of this platform; repeat for several.",
    ),
    Term(
        "status", "status", "status", N_("Status"), "Open (the default), closed, withdrawn or all."
    ),
)
TERM_OF_FIELD = {term.field: term for term in TERMS}
CLOSING = Term(
    "deadline_before",
    "closing",
    "closing-within",
    N_("Closing within (days)"),
    "Closing from today to this many days on (Amsterdam days); instead of the deadline dates.",
)
CLOSING_DAYS = (1, 365)
YES, NO = "yes", "no"
STATUS_WORDS = {
    "open": N_("open"),
    "expired": N_("closed"),
    "withdrawn": N_("withdrawn"),
    "all": N_("all"),
}


class Query(Protocol):
    """What a URL query offers (Starlette's `QueryParams`, or `query_values` below)."""

    def get(self, key: str, default: Any = None) -> Any: ...
    def getlist(self, key: str) -> list[str]: ...


class FilterProblem(ValueError):
    """A query value that cannot be used; `field` names the form field (the term's param).
    `expected` (a message id) says what the field takes, with `values` to fill in (a value
    whose name ends in `_label` is a message id too): the pages say it in their language."""

    def __init__(
        self, field: str, message: str, expected: str | None = None, **values: Any
    ) -> None:
        super().__init__(message)
        self.field = field
        self.expected = expected
        self.values = values

    def expected_text(self, gettext: Callable[[str], str] = str) -> str:
        if self.expected is None:
            return str(self)
        values = {
            name: gettext(value) if name.endswith("_label") else value
            for name, value in self.values.items()
        }
        return gettext(self.expected) % values


PAGE_LABEL = N_("Page")


def label_of_param(param: str) -> str:
    """The label (a message id) of a form field, by its URL name."""
    for term in (*TERMS, CLOSING):
        if term.param == param:
            return term.label
    return PAGE_LABEL if param == "page" else param


def kind_of(field: str) -> tuple[str, Any]:
    """What sort of value a `SearchFilter` field takes: ("many", None), ("yes_no", None),
    ("number", (low, high)), ("date", None), ("choice", values) or ("text", None). Read from
    the field's annotation and constraints, so a new field brings its own kind."""
    info = SearchFilter.model_fields[field]
    annotation = info.annotation
    arguments = [argument for argument in typing.get_args(annotation) if argument is not type(None)]
    inner = (
        arguments[0]
        if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union
        else annotation
    )
    if typing.get_origin(annotation) is tuple:
        return "many", None
    if inner is bool:
        return "yes_no", None
    if inner is int:
        low = next(getattr(rule, "ge") for rule in info.metadata if hasattr(rule, "ge"))
        high = next(getattr(rule, "le") for rule in info.metadata if hasattr(rule, "le"))
        return "number", (low, high)
    if inner is date:
        return "date", None
    if typing.get_origin(inner) is Literal:
        return "choice", typing.get_args(inner)
    if isinstance(inner, type) and issubclass(inner, Enum):
        return "choice", tuple(member.value for member in inner)
    return "text", None


def _value(query: Query, term: Term) -> Any:
    kind, detail = kind_of(term.field)
    if kind == "many":
        return tuple(value.strip() for value in query.getlist(term.param) if value.strip())
    raw = (query.get(term.param) or "").strip()
    if not raw or (kind == "yes_no" and raw == "any"):
        return None
    if kind == "yes_no":
        if raw not in (YES, NO):
            raise FilterProblem(term.param, f"{YES}/{NO}", N_("yes or no"))
        return raw == YES
    if kind == "number":
        return bounded_number(term.param, raw, *detail)
    if kind == "date":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise FilterProblem(
                term.param, "YYYY-MM-DD", N_("a date such as %(example)s"), example="2026-12-31"
            ) from None
    return raw


def out_of_range(param: str, low: int, high: int) -> FilterProblem:
    """The refusal of a value of `param` that is not a whole number from low to high."""
    return FilterProblem(
        param, f"{low}-{high}", N_("a whole number from %(low)d to %(high)d"), low=low, high=high
    )


def bounded_number(param: str, raw: str, low: int, high: int) -> int:
    """A whole number from low to high, or FilterProblem naming `param` and the range."""
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise out_of_range(param, low, high)
    return int(raw)


def filter_of(
    query: Query, today: date, known_sources: Collection[str] | None = None
) -> SearchFilter:
    """The `SearchFilter` of a URL query (the web form's names). `known_sources`: the platform
    names a `source` value must be one of. FilterProblem names the field that cannot be used."""
    values = {term.field: _value(query, term) for term in TERMS}
    values = {field: value for field, value in values.items() if value not in (None, ())}
    closing = (query.get(CLOSING.param) or "").strip()
    if closing:
        days = bounded_number(CLOSING.param, closing, *CLOSING_DAYS)
        values["deadline_after"], values["deadline_before"] = today, today + timedelta(days=days)
    if known_sources is not None and any(
        source.lower() not in known_sources for source in values.get("sources", ())
    ):
        raise FilterProblem(
            "source",
            ", ".join(known_sources),
            N_("one of: %(names)s"),
            names=", ".join(known_sources),
        )
    try:
        return SearchFilter(**values)
    except ValidationError as exc:
        raise _problem(exc) from None


EXPECTED_OF_FIELD = {
    "regions": N_("a Dutch province, such as Utrecht or Noord-Holland"),
    "sources": N_("the name of a platform"),
    "keyword": N_("words to look for, not only common words such as “de” or “het”"),
}
RANGES = (  # (low field, high field, words of the model's message)
    ("pay_scale_min", "pay_scale_max", "pay scale"),
    ("hours_min", "hours_max", "hours"),
    ("deadline_after", "deadline_before", "deadline"),
)


def _problem(exc: ValidationError) -> FilterProblem:
    error = exc.errors()[0]
    message = error["msg"].removeprefix("Value error, ")
    if error["loc"]:
        field = str(error["loc"][0])
        expected = EXPECTED_OF_FIELD.get(field, N_("a shorter or simpler value"))
        return FilterProblem(TERM_OF_FIELD[field].param, message, expected)
    # a range that runs backwards: the message names it
    low, high = next((low, high) for low, high, words in RANGES if words in message)
    return FilterProblem(
        TERM_OF_FIELD[low].param,
        message,
        N_("at most the value of “%(other_label)s”"),
        other_label=TERM_OF_FIELD[high].label,
    )


def query_pairs(search: SearchFilter) -> list[tuple[str, str]]:
    """The URL query pairs of `search`, in the table's order: what `filter_of` reads back."""
    pairs: list[tuple[str, str]] = []
    for term in TERMS:
        value = getattr(search, term.field)
        if value in (None, ()) or (term.field == "status" and value == "open"):
            continue
        if isinstance(value, tuple):
            pairs += [(term.param, str(item)) for item in value]
        elif isinstance(value, bool):
            pairs.append((term.param, YES if value else NO))
        else:
            pairs.append((term.param, str(value.value if isinstance(value, Enum) else value)))
    return pairs


def page_query(search: SearchFilter) -> str:
    """The search page's URL query for `search`."""
    return urlencode(query_pairs(search))


def query_values(query_string: str) -> Query:
    """Only the vocabulary's own values of a query string (what an alert saves from a search
    URL: paging, language and the like stay behind)."""
    from urllib.parse import parse_qsl

    own = {term.param for term in TERMS} | {CLOSING.param}
    pairs = [(key, value) for key, value in parse_qsl(query_string) if key in own]
    return _Pairs(pairs)


class _Pairs:
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def get(self, key: str, default: Any = None) -> Any:
        return next((value for name, value in self.pairs if name == key), default)

    def getlist(self, key: str) -> list[str]:
        return [value for name, value in self.pairs if name == key]

    def multi_items(self) -> list[tuple[str, str]]:
        return list(self.pairs)


# The order to suggest loosening an empty result in: the narrowest filters first.
LOOSEN_ORDER = (
    "keyword",
    "deadline_before",
    "deadline_after",
    "pay_scale_min",
    "pay_scale_max",
    "hours_min",
    "hours_max",
    "regions",
    "client",
    "sources",
    "education_level",
    "das",
    "zzp_allowed",
    "status",
)


def loosen_hint(search: SearchFilter) -> Term | None:
    """The filter most likely to have emptied the result, to loosen first."""
    for field in LOOSEN_ORDER:
        value = getattr(search, field)
        if value not in (None, ()) and not (field == "status" and value == "open"):
            return TERM_OF_FIELD[field]
    return None


def described(search: SearchFilter) -> Iterator[tuple[Term, str, bool]]:
    """Each filter `search` sets: its term, its value as text, and whether that text is a word
    to translate (yes/no, a status) rather than the user's own."""
    for term in TERMS:
        value = getattr(search, term.field)
        if value in (None, ()) or (term.field == "status" and value == "open"):
            continue
        if isinstance(value, bool):
            yield term, YES if value else NO, True
        elif isinstance(value, tuple):
            yield term, ", ".join(value), False
        elif term.field == "status":
            yield term, STATUS_WORDS[value], True
        else:
            yield term, str(value.value if isinstance(value, Enum) else value), False


def unknown_fields(fields: Iterable[str]) -> list[str]:
    """Fields of `SearchFilter` the vocabulary has no term for (a test keeps this empty)."""
    return [field for field in fields if field not in TERM_OF_FIELD]
