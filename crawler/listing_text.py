"""What listing texts say in words, for the sources whose structured fields leave it out
(Striive, Inhuurdesk, Freep, Opdrachtoverheid): rules 10.3-10.5 of `shared/sources/striive.md`,
and a listing's HTML content as text lines, sections, and criteria by section header.

- `max_rate_in_text`: the largest amount after "tarief"/"rate" in a line ("Tarief: tussen
  € 95,00 en € 109,00" → 109.0); an amount before the word ("fee van € 2,50 boven op het
  tarief") does not count.
- `zzp_statement`: False for an exclusion ("ZZP is uitgesloten", "ZZP: Nee"), True for an
  explicit permission ("ZZP: Ja", "Vorm: Detacheren of ZZP"), None for no statement. An
  exclusion beats a permission; soft wording ("minder geschikt voor ZZP'ers") is None with a
  warning.
- `clean`: HTML entities decoded, whitespace collapsed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from crawler.pages.html_text import split_sections, text_lines
from schemas.tender import Requirements, SelectionCriterion

# Section headers (folded, without a trailing colon) → the criteria they hold.
REQUIREMENT_HEADERS = re.compile(
    r"^(?:ko[- ]?)?(?:functie\s*)?eisen|^hard requirements|^vereisten|^wat breng je mee|"
    r"^knock[- ]?out|^harde eisen|^requirements",
    re.IGNORECASE,
)
WISH_HEADERS = re.compile(
    r"^wensen|^pr[eé]'?s|^gunningscriteria|^selectiecriteria|^nice to have", re.IGNORECASE
)
COMPETENCY_HEADERS = re.compile(r"^competenties", re.IGNORECASE)
BULLET = re.compile(r"^(?:[-•·*]|-&gt;|->|\d+[.)])\s*")

_RATE_WORD = re.compile(r"(?:uur)?tarief|\brate\b", re.IGNORECASE)
# € then a number, or a number with a decimal comma: "€ 75", "€110", "82,50", "1.075,00"
_AMOUNT = re.compile(
    r"€\s*(\d{1,3}(?:\.\d{3})*(?:,\d{1,2})?|\d+(?:[.,]\d{1,2})?)|(\d{1,3}(?:\.\d{3})*,\d{2})\b"
)

_ZZP = r"zzp(?:[-\s]?(?:'?ers?|er's|ers))?"
_EXCLUSIONS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"niet\s+(?:bedoeld\s+|geschikt\s+|beschikbaar\s+)?voor\s+(?:directe\s+)?{_ZZP}",
        rf"{_ZZP}\s+(?:is\s+|zijn\s+)?(?:uitgesloten|niet\s+toegestaan|niet\s+mogelijk)",
        rf"geen\s+{_ZZP}",
        rf"{_ZZP}(?:\s+mogelijkheid)?\s*:\s*nee\b",
        r"uitgesloten\s+voor\s+zzp",
    )
]
_PERMISSIONS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"alleen\s+zzp",
        rf"{_ZZP}(?:\s+mogelijkheid)?\s*:\s*ja\b",
        r"(?:contract|vorm|constructie)\s*:[^\n]*\bzzp",
        rf"staat\s+open\s+voor\s+{_ZZP}",
        rf"{_ZZP}\s*(?:\([^)]*\)\s*)?(?:als\s+[^\n]*?)?kunnen\s+(?:worden\s+)?aangeboden",
    )
]
_SOFT = re.compile(rf"minder\s+geschikt\s+voor\s+{_ZZP}", re.IGNORECASE)


def clean(text: str | None) -> str | None:
    """Entities decoded, runs of whitespace collapsed, trimmed; None for nothing left."""
    if text is None:
        return None
    cleaned = " ".join(html.unescape(text).split())
    return cleaned or None


def html_lines(markup: str | None) -> list[str]:
    """The text lines of an HTML fragment (blocks and `<br>` end a line), entities decoded."""
    if not markup or markup.isspace():
        return []
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return [line for line in (clean(part) for part in re.split(r"<[^>]+>", markup)) if line]
    return [line for line, _bold in text_lines(root)]


def _amount(match: re.Match) -> float:
    number = match.group(1) or match.group(2)
    if "," in number:
        number = number.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+", number):
        number = number.replace(".", "")
    return float(number)


def max_rate_in_text(lines: list[str]) -> float | None:
    """Rule 10.3: the largest amount written after a rate word in its line."""
    amounts: list[float] = []
    for line in lines:
        word = _RATE_WORD.search(line)
        if word is None:
            continue
        amounts.extend(_amount(match) for match in _AMOUNT.finditer(line, word.end()))
    return max(amounts) if amounts else None


@dataclass(frozen=True)
class ZzpStatement:
    allowed: bool | None
    warning: str | None = None


def zzp_statement(lines: list[str]) -> ZzpStatement:
    """Rule 10.4 over the listing's text lines."""
    text = "\n".join(lines).replace("’", "'")
    excluded = any(pattern.search(text) for pattern in _EXCLUSIONS)
    permitted = any(pattern.search(text) for pattern in _PERMISSIONS)
    if excluded:
        return ZzpStatement(
            False,
            "zzp_allowed: the text both excludes and permits ZZP; the exclusion holds"
            if permitted
            else None,
        )
    if permitted:
        return ZzpStatement(True)
    if _SOFT.search(text):
        return ZzpStatement(
            None, "zzp_allowed: soft wording about ZZP ('minder geschikt'), not a statement"
        )
    return ZzpStatement(None)


def _criteria_lines(body: tuple[str, ...]) -> list[str]:
    return [
        text for text in (BULLET.sub("", line).strip().rstrip(";").strip() for line in body) if text
    ]


def content_sections(markup: str | None) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """(the content's text lines, its sections by header). Bold "Key: value" lines (Inhuurdesk's
    "Tarief: max. €110") and bold bullet lines are text, not headers."""
    lines = []
    if markup and not markup.isspace():
        try:
            root = lxml_html.fragment_fromstring(markup, create_parent="div")
            lines = [
                (line, bold and not re.search(r":\s*\S", line) and not BULLET.match(line))
                for line, bold in text_lines(root)
            ]
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            lines = [(line, False) for line in html_lines(markup)]
    sections = split_sections(lines)
    return [line for line, _bold in lines], {section.header: section.lines for section in sections}


def text_fields(lines: list[str], sections: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """A listing's text as `Tender` keeps it: its lines as the description, each section joined."""
    return {
        "description": "\n".join(lines),
        "sections": {header: "\n".join(body) for header, body in sections.items()},
    }


@dataclass(frozen=True)
class Criteria:
    knockout: list[str]
    wishes: list[str]
    competencies: list[str]

    def tender_fields(self) -> dict[str, Any]:
        """As `Tender` keeps them: wishes are selection criteria without points."""
        return {
            "knockout_criteria": self.knockout,
            "competencies": self.competencies,
            "selection_criteria": [SelectionCriterion(text=text) for text in self.wishes],
        }


def criteria_from_sections(sections: dict[str, tuple[str, ...]]) -> Criteria:
    """Requirements (Eisen, Hard requirements, Wat breng je mee?), wishes (Wensen, Pré's) and
    competencies, from the sections whose headers name them, one criterion a line."""
    by_role: dict[str, list[str]] = {"knockout": [], "wishes": [], "competencies": []}
    for header, body in sections.items():
        for role, pattern in (
            ("knockout", REQUIREMENT_HEADERS),
            ("wishes", WISH_HEADERS),
            ("competencies", COMPETENCY_HEADERS),
        ):
            if pattern.search(header.strip()):
                by_role[role].extend(_criteria_lines(body))
    return Criteria(**by_role)


# What a listing text makes compulsory (a VOG, confidentiality, ...), by the words that name it.
REQUIREMENT_PATTERNS = {
    "vog": re.compile(r"verklaring\s+omtrent\s+het\s+gedrag|\bVOG\b", re.IGNORECASE),
    "confidentiality": re.compile(r"geheimhoudingsverklaring|geheimhouding", re.IGNORECASE),
    "uea": re.compile(r"uniform\s+europees\s+aanbestedingsdocument|\bUEA\b", re.IGNORECASE),
    "integrity_statement": re.compile(r"integriteitsverklaring", re.IGNORECASE),
    "waadi": re.compile(r"\bwaadi\b", re.IGNORECASE),
    "sroi": re.compile(r"\bSROI\b|social\s+return", re.IGNORECASE),
    "byod": re.compile(r"\bBYOD\b|bring\s+your\s+own\s+device", re.IGNORECASE),
}


def requirements_in_text(lines: list[str]) -> Requirements:
    """The requirements the text names (`REQUIREMENT_PATTERNS`)."""
    text = "\n".join(lines)
    return Requirements(
        **{name: bool(pattern.search(text)) for name, pattern in REQUIREMENT_PATTERNS.items()}
    )
