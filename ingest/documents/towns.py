"""The préfecture towns of the départements, read in a text.

:func:`prefectures` loads the versioned table ``data/prefectures.tsv``; :func:`find_towns` returns a
:class:`TownMatch` for each préfecture a text names (a town the base does not know still says which
département a case is in).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple


# The chefs-lieux (préfectures) of the départements, a versioned data file of the package (its
# header says what it is): a town the base does not know still says which département a case is
# in ("Bordeaux Métropole" → Gironde).
PREFECTURES_FILE = Path(__file__).resolve().parent / "data" / "prefectures.tsv"


class Prefecture(NamedTuple):
    code: str  # INSEE code of the département ("33", "2A", "974")
    departement: str  # its name ("Gironde")
    town: str  # the chef-lieu ("Bordeaux", "Le Mans")
    council: bool = True  # the département has a council of its own ("Département de la Gironde")
    homonym: bool = False  # another well-known commune has the name: never used


class TownMatch(NamedTuple):
    start: int  # span of the town's name (its article excluded: "Mans" in "Pays du Mans")
    end: int
    text: str  # == text[start:end]
    prefecture: Prefecture


@lru_cache(maxsize=4)
def prefectures(path: Path = PREFECTURES_FILE) -> tuple[Prefecture, ...]:
    """The rows of the préfectures table (comment lines and the header skipped)."""
    out = []
    header = True
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header:
            header = False
            continue
        code, departement, town = (c.strip() for c in cells[:3])
        notes = {n.strip() for n in (cells[3] if len(cells) > 3 else "").split(",") if n.strip()}
        unknown = notes - {"sans-conseil", "homonyme"}
        if unknown or not (code and departement and town):
            raise ValueError(f"{path}: bad row {line!r}")
        out.append(Prefecture(code, departement, town, "sans-conseil" not in notes, "homonyme" in notes))
    return tuple(out)


def _fold_same_length(text: str) -> str:
    """Lower case without accents, one character per character (offsets kept)."""
    out = []
    for c in text:
        if c.isascii():
            out.append(c.lower())
            continue
        d = unicodedata.normalize("NFKD", c)
        out.append((d[0] if d else c).lower()[:1] or c)
    return "".join(out)


_TOWN_ARTICLE = {"le": re.compile(r"(?:^|[^\w-])(?:le|du|au)\s+$"), "la": re.compile(r"(?:^|[^\w-])la\s+$")}


@lru_cache(maxsize=4)
def _town_index(path: Path = PREFECTURES_FILE) -> tuple[re.Pattern, dict[str, tuple[str | None, Prefecture]]]:
    """One regex of the towns' names (article dropped, hyphens or spaces between their words) on
    folded text, and folded name → (its article, the row)."""
    index: dict[str, tuple[str | None, Prefecture]] = {}
    for row in prefectures(path):
        if row.homonym:
            continue
        words = re.split(r"[-\s]+", _fold_same_length(row.town))
        article = words[0] if words[0] in ("le", "la") and len(words) > 1 else None
        if article:
            words = words[1:]
        index[" ".join(words)] = (article, row)
    bodies = sorted(index, key=len, reverse=True)
    alternatives = "|".join(r"[-\s]+".join(re.escape(w) for w in body.split()) for body in bodies)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])"), index


# A common noun naming another place after the town (folded text): a river, a street, a station.
_PLACE_NOUN_BEFORE = re.compile(r"\b(?:riviere|ravine|fleuve|lac|etang|mont|col|pic|ile|rue|avenue|boulevard|place"
                                r"|quai|gare|pont|porte|quartier|route|chemin|impasse|allee)s?\s+(?:de\s+|d'\s?)?$")
_PLACE_NOUN_WINDOW = 16


def find_towns(text: str, start: int = 0, end: int | None = None) -> list[TownMatch]:
    """The préfectures named in ``text[start:end]``: a whole name written with its capital
    ("Bordeaux", "Bourg en Bresse", "Saint-Étienne", "du Mans"), not part of a longer compound
    ("Seine-Saint-Denis", "Pau-Pyrénées": another place), nor after a noun naming another place
    ("la Rivière Saint-Étienne", "rue de Belfort"), with its article for the towns that have one ("Le
    Mans", "La Rochelle"); a homonym ("Saint-Denis") is never returned."""
    end = len(text) if end is None else end
    rx, index = _town_index()
    folded = _fold_same_length(text[start:end])
    out = []
    for m in rx.finditer(folded):
        s, e = start + m.start(), start + m.end()
        if not text[s].isupper():
            continue
        article, row = index[" ".join(re.split(r"[-\s]+", m.group()))]
        if article and not _TOWN_ARTICLE[article].search(folded[max(0, m.start() - 5):m.start()]):
            continue
        if _PLACE_NOUN_BEFORE.search(folded[max(0, m.start() - _PLACE_NOUN_WINDOW):m.start()]):
            continue  # « la Rivière Saint-Étienne », « rue de Belfort », « gare de Lyon »: not the town
        out.append(TownMatch(s, e, text[s:e], row))
    return out
