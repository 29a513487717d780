"""Actor mentions for the institutions the rules of :mod:`.patterns` name: whether a name links to an
actor of the base (and how confidently) or makes a new, typed actor; which new actor is the short
form of another of the candidate ("Pays de Landivisiau"); which actors the document's title, the
candidate's headings and the text before it name; and which items of a partners row, a proper name
alone, are actors.
"""
from __future__ import annotations

import functools
import re
from dataclasses import replace

from rdflib import URIRef

from ontology.namespace import COOP

from .confidence import CONF_PATTERN_EXACT, CONF_PATTERN_FUZZY, CONF_PATTERN_NEW, CONF_PATTERN_WEAK
from .lexicon import Lexicon
from .linking import Linker, core_tokens, key_tokens
from .model import ASSERT_THRESHOLD, Candidate, Document, Mention
from .partners import CONF_NAMED_ITEM, named_items
from .patterns import GENERIC_WORDS, InstitutionMatch, find_institutions
from .persons import person

# Actor classes whose names have a short form made of their proper-name part.
_SHORT_FORM_OF = (COOP.EPCI, COOP.PETR, COOP.PoleMetropolitain)


def resolve_short_names(names: list[tuple[tuple[int, int], Mention]], lexicon: Lexicon):
    """A new actor whose whole name is the proper-name part of another actor of the candidate is a
    short form of it ("Pays de Landivisiau" after "communauté de communes du Pays de Landivisiau"):
    it takes that actor's identity (IRI or label, types, territory). So is a Pays whose name starts or
    ends the proper-name part of one such actor ("Pays de Banon" of "Communauté de communes
    Haute-Provence-Pays de Banon")."""
    full: dict[tuple[str, ...], Mention] = {}
    for _, m in names:
        if m.kind != "actor" or not any(lexicon.is_subclass(t, sup) for t in m.types for sup in _SHORT_FORM_OF):
            continue
        entry = lexicon.get(m.iri) if m.iri is not None else None
        for label in (entry.french_labels if entry is not None else (m.label or m.text,)):
            key = key_tokens(label)
            core = core_tokens(key)
            if core and core != key:
                full.setdefault(core, m)
    out = []
    for span, m in names:
        if m.kind == "actor" and m.iri is None and m.method == "pattern":
            key = key_tokens(m.label or m.text)
            target = full.get(key)
            if target is None and COOP.PaysStructure in m.types and len(key) >= 2:
                # « Pays de Banon » of « Communauté de communes Haute-Provence-Pays de Banon », « Pays de
                # Forcalquier » of « … Pays de Forcalquier-Montagne de Lure »: the start or the end of one core
                ends = {id(t): t for core, t in full.items()
                        if len(core) > len(key) and key in (core[:len(key)], core[-len(key):])}
                target = next(iter(ends.values())) if len(ends) == 1 else None
            if target is not None and target is not m and key_tokens(target.label or "") != key_tokens(m.label or ""):
                m = replace(m, iri=target.iri, label=target.label, types=target.types,
                             territory=target.territory or m.territory)
        out.append((span, m))
    return out


def heading_actors(document: Document, candidate: Candidate, lexicon: Lexicon, linker: Linker
                    ) -> list[tuple[str, Mention]]:
    """(proper-name part, actor mention) of the actors the document's title and the candidate's
    enclosing headings name (their spans index those strings, not the document: only their identity
    is used)."""
    return [(inst.core, institution_mention(inst, lexicon, linker, None))
            for h in dict.fromkeys((document.title, *candidate.headings)) if h
            for inst in find_institutions(h) if not inst.weak]


def named_before(document: Document, candidate: Candidate, lexicon: Lexicon, linker: Linker
                  ) -> list[tuple[str, Mention]]:
    """The same for the actors named in the document's text before the candidate, then after it (a
    signature block at the end: « … président de la communauté de communes de la Haute-Ariège » for
    « l'entente entre la Haute-Ariège et le Pays de Tarascon » above). The whole document's names are
    read once for all its candidates."""
    start, end = max(0, candidate.start), candidate.end
    found = _institutions_of(document.text)
    return [(inst.core, institution_mention(inst, lexicon, linker, None))
            for inst in [i for i in found if i.end <= start] + [i for i in found if i.start >= end] if not inst.weak]


_LETTERHEAD_CHARS = 300  # the document's first lines, up to its first blank line


def letterhead_actors(document: Document, candidate: Candidate, lexicon: Lexicon, linker: Linker
                      ) -> list[tuple[str, Mention]]:
    """The same for the actors the document's letterhead names (its text up to the first blank line,
    a few lines: « COMMUNAUTÉ DE COMMUNES DE LA PIEVE DE L'ORNANO ET DU TARAVO »), when the candidate
    starts after it."""
    text = document.text
    head = text.lstrip()
    end = len(text) - len(head) + min(len(head), _LETTERHEAD_CHARS)
    blank = re.search(r"\n[ \t]*\n", text[:end])
    if blank:
        end = blank.start()
    elif end < len(text) and (line_end := text.rfind("\n", len(text) - len(head), end)) > 0:
        end = line_end  # whole lines only: not « … du Parc naturel régional Livradois-Fo »
    if candidate.start < end:
        return []
    return [(inst.core, institution_mention(inst, lexicon, linker, None))
            for inst in find_institutions(text, 0, end) if not inst.weak]


@functools.lru_cache(maxsize=4)
def _institutions_of(text: str) -> tuple[InstitutionMatch, ...]:
    """The institution names of a whole document, read once for all its candidates."""
    return tuple(find_institutions(text))


def institution_mention(inst: InstitutionMatch, lexicon: Lexicon, linker: Linker,
                         inner_territory: URIRef | None) -> Mention:
    link = linker.link(inst.name, types=(inst.cls,))
    if link is not None:
        entry = lexicon.get(link.iri)
        if link.method == "gazetteer":
            conf = CONF_PATTERN_EXACT
        else:
            t = linker.threshold
            conf = CONF_PATTERN_FUZZY + (CONF_PATTERN_EXACT - CONF_PATTERN_FUZZY) * (link.score - t) / max(100 - t, 1e-9)
        return Mention("actor", inst.text, inst.start, inst.end, link.method, round(conf, 3), link.iri, None,
                       entry.types, (), entry.territory)
    territory = inner_territory
    if territory is None and inst.core:
        tl = linker.link(inst.core, kind="territory", threshold=100)
        territory = tl.iri if tl is not None else None
    conf = CONF_PATTERN_WEAK if inst.weak else CONF_PATTERN_NEW
    return Mention("actor", inst.text, inst.start, inst.end, "pattern", conf, None, inst.name, (inst.cls,), (),
                   territory)


def named_partners(text: str, candidate: Candidate, mentions: list[Mention], lexicon: Lexicon,
                    linker: Linker) -> list[Mention]:
    """``mentions`` plus actors for the items of a partners or actors row that are a proper name
    alone (:func:`.partners.named_items`): the base's actor when the name links to one, else a new
    actor of no known kind (``coop:Actor``, ``CONF_NAMED_ITEM``). Such an item replaces the
    unsure mentions inside it (NER « Grand Cahors » as a place, 0.50)."""
    taken = [(m.start, m.end) for m in mentions
             if m.kind in ("actor", "territory") and m.confidence >= ASSERT_THRESHOLD]
    out = []
    for s, e in named_items(candidate, taken, GENERIC_WORDS):
        if person(text, s, e):
            continue  # « Présents : Mme Anne-Marie CAUSSE, … »
        name = text[s:e]
        link = linker.link(name)
        entry = lexicon.get(link.iri) if link is not None else None
        if entry is not None and entry.kind == "actor" and not entry.placeholder:
            out.append(Mention("actor", name, s, e, link.method, CONF_NAMED_ITEM, entry.iri, None, entry.types, (),
                               entry.territory))
        elif entry is None:
            out.append(Mention("actor", name, s, e, "pattern", CONF_NAMED_ITEM, None, name, (COOP.Actor,)))
    if not out:
        return mentions
    kept = [m for m in mentions if not (m.kind in ("actor", "territory") and m.confidence < ASSERT_THRESHOLD
                                        and any(n.start <= m.start and m.end <= n.end for n in out))]
    return kept + out
