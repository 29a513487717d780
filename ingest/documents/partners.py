"""Partners a grid row counts without naming them, and partners it names without saying what they are.

Slide grids describe a practice's partners by kind and number: « 5 Communautés de communes sur 3
départements, 3 SCoT », « 2 communes rurales/périurbaines + 1 communauté urbaine », « Un PNR et un
Pays » (the « Partenaires / échelle » row of seed 002's style). Each counted noun there is an
unnamed participant of the practice — a group, or one actor for « un » —, of the noun's class. It
is named after the curated corpus's convention for actors a source does not name, with the
practice as what they belong to: « Cinq communautés de communes partenaires de « Entente
interterritoriale TRIDAN » (non nommées dans la source) ». Such a name is a placeholder everywhere
(never linked by name, never an owner), and it holds the practice's title, so two practices'
unnamed partners are never one actor.

Pure: a description found by :func:`.nouns.find_descriptions` and its candidate in, a name and
a class out (the caller builds the mention, see :mod:`.descriptions`).

An item of a partners (or actors) row that is a proper name alone, with no type word the rules
read (« Grand-Figeac », « Grand Cahors »), is a participant too: :func:`named_items` gives its span,
and extraction makes it an actor of no known kind (``coop:Actor``).
"""
from __future__ import annotations

import re

from rdflib import URIRef

from ontology.namespace import COOP
from search.text import fold

from .model import Candidate
from .nouns import DescriptionMatch
from .persons import holds_office
from .heads import UPPER as _UPPER

# Grid fields whose every counted noun is a partner of the practice.
PARTNER_FIELDS = frozenset({"partners_scale"})
CONF_COUNTED = 0.70  # the row says so; the identity is the practice's unnamed partner of that kind

# Classes a counted partner may have → (singular, plural, feminine). Generic nouns (« partenaires »,
# « acteurs »), élus and anything not listed are not counted partners.
COUNTED_NOUNS: dict[URIRef, tuple[str, str, bool]] = {
    COOP.Commune: ("commune", "communes", True),
    COOP.CommunauteDeCommunes: ("communauté de communes", "communautés de communes", True),
    COOP.CommunauteAgglomeration: ("communauté d'agglomération", "communautés d'agglomération", True),
    COOP.CommunauteUrbaine: ("communauté urbaine", "communautés urbaines", True),
    COOP.EPCI: ("intercommunalité", "intercommunalités", True),
    COOP.SyndicatMixte: ("syndicat mixte", "syndicats mixtes", False),
    COOP.PNR: ("parc naturel régional", "parcs naturels régionaux", False),
    COOP.PaysStructure: ("Pays", "Pays", False),
    COOP.ScotStructure: ("structure porteuse de SCoT", "structures porteuses de SCoT", True),
    COOP.Association: ("association", "associations", True),
    COOP.Enterprise: ("entreprise", "entreprises", True),
}
_NUMBERS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
            "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "quinze": 15, "vingt": 20, "trente": 30, "cent": 100}
_WORDS = {n: w for w, n in _NUMBERS.items() if n > 1}
_COUNT = re.compile(r"^(?P<n>\d{1,3}|[^\W\d_]+)$")


def count_of(determiner: str) -> int | None:
    """The number a determiner says (« 5 », « deux », « un », « une »), or None (« les », « des »)."""
    m = _COUNT.match(determiner.strip().lower())
    if m is None:
        return None
    n = m.group("n")
    value = int(n) if n.isdigit() else _NUMBERS.get(n)
    return value if value else None


def practice_name(title: str) -> str:
    """A candidate's title as a name to cite: arrows, quotes and spaces around it dropped."""
    return re.sub(r"\s+", " ", title).strip(" \t→-–—«»\"'“”:").strip()


def counted_label(cls: URIRef, count: int, practice: str) -> str | None:
    """« Cinq communautés de communes partenaires de « Entente interterritoriale TRIDAN » (non nommées
    dans la source) », « Un Pays partenaire de « … » (non nommé dans la source) »."""
    spec = COUNTED_NOUNS.get(cls)
    if spec is None or count < 1 or not practice:
        return None
    singular, plural, feminine = spec
    if count == 1:
        head, partner = f"{'Une' if feminine else 'Un'} {singular}", "partenaire"
    else:
        head, partner = f"{_WORDS.get(count, str(count)).capitalize()} {plural}", "partenaires"
    mark = "non nommé" + ("e" if feminine else "") + ("s" if count > 1 else "")
    return f"{head} {partner} de « {practice} » ({mark} dans la source)"


def in_partner_field(candidate: Candidate, start: int, end: int) -> bool:
    return any(b.start <= start and end <= b.end
               for field in PARTNER_FIELDS for b in candidate.grid.get(field, ()))


def counted_partner(d: DescriptionMatch, candidate: Candidate) -> tuple[str, URIRef] | None:
    """The name and class of the unnamed partner a counted noun of a partners row stands for, or
    None: not in such a row, not counted (« les communautés de communes du territoire »: the
    owner rule of :func:`.descriptions.mint_group` applies), or a class :data:`COUNTED_NOUNS`
    does not list."""
    if d.cls not in COUNTED_NOUNS or not in_partner_field(candidate, d.start, d.end):
        return None
    at = d.text.rfind(d.noun)
    count = count_of(d.text[:at]) if at > 0 else None
    if count is None:
        return None
    label = counted_label(d.cls, count, practice_name(candidate.title))
    return (label, d.cls) if label else None


# --- partners a row names without a type word ------------------------------------------------------

# Rows listing who takes part: every item there is a participant.
NAMED_ITEM_FIELDS = frozenset({"partners_scale", "actors"})
CONF_NAMED_ITEM = 0.70  # the row says it is a partner; nothing says what kind of body it is
# A proper name alone: one to five capitalised words (hyphenated compounds are one), joined by
# spaces (not a table's tabs: « Nom\tStructure\tFonction » is a header row), hyphens or connectors
# (« Grand-Figeac », « Grand Cahors », « Initiatives et Cités »).
_PROPER_ITEM = re.compile(
    rf"[{_UPPER}][^\W\d_]*(?:-[^\W\d_]+)*"
    rf"(?:(?:[ \u00a0]+(?:(?:de|du|des|la|le|les|et|en|sur)[ \u00a0]+|d['’]|l['’])?|['’])[{_UPPER}][^\W\d_]*(?:-[^\W\d_]+)*){{0,4}}")
_ITEM_TRIM = " \t.;,:"
_LIST_ITEM = re.compile(r"[^;,+]+")  # a row's items, when it lists them on one line


def named_items(candidate: Candidate, taken: list[tuple[int, int]], generic: frozenset[str]) -> list[tuple[int, int]]:
    """Spans of the items of the candidate's partners and actors rows that are a proper name alone
    (« Grand-Figeac » in « Grand-Figeac ; Communauté de communes … »), where no mention in
    ``taken`` (actors, territories) lies, and that are not a generic word alone (``generic``:
    folded words such as « region », « departement »). The caller makes them actors of no known
    kind (``CONF_NAMED_ITEM``). Pure."""
    out = []
    for field in NAMED_ITEM_FIELDS:
        for b in candidate.grid.get(field, ()):
            for part in _LIST_ITEM.finditer(b.text):
                item = part.group().strip(_ITEM_TRIM)
                if not item or not _PROPER_ITEM.fullmatch(item) or (
                        " " not in item and "-" not in item and fold(item) in generic):
                    continue
                s = b.start + part.start() + part.group().find(item)
                e = s + len(item)
                if holds_office(b.text, e - b.start):
                    continue  # « Alain Sarrat, président de … »: a signatory, not a body
                if not any(ts < e and s < te for ts, te in taken):
                    out.append((s, e))
    return sorted(set(out))
