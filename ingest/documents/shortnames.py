"""Bodies a practice names by the proper-name part of a name the document gave earlier.

A page introduces « la Communauté d'agglomération du Grand Cognac », then its sections say « Grand
Cognac et la Communauté d'agglomération du Grand Angoulême sont liées par une convention »: the
section names the agglomeration, without its type words, which no institution rule reads (and
spaCy, at best, as an unsure place). :func:`short_names` finds, inside a candidate, the proper-name
parts (two capitalised words or more: « Grand Cognac », « Terres de Lorraine ») of the actors
named elsewhere (the document's title, the candidate's headings, the text before the candidate, then
the text after it: a signature block)
and makes each occurrence a mention of that actor (``CONF_SHORT_NAME``); so is each occurrence of
an acronym made of the initials of the name of such an actor, or of one named earlier in the
candidate (:func:`.acronyms.initials`: « la CCPOT » after « Communauté de communes de la Pieve de
l'Ornano et du Taravo », an acronym the document never spells out in parentheses). Occurrences inside an
asserted actor or territory mention are left alone (but a new Pays named exactly as such a part,
« le Pays de Tarascon » of « la communauté de communes du Pays de Tarascon », is that body); unsure
mentions there (spaCy's) are replaced.
Pure: text and mentions in, mentions out.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ontology.namespace import COOP

from .acronyms import initials
from .model import ASSERT_THRESHOLD, Candidate, Mention

__all__ = ["CONF_SHORT_NAME", "short_names"]

CONF_SHORT_NAME = 0.75  # the document named the body in full before
_CAPITALISED = re.compile(r"(?:^|[\s'’-])[A-ZÀ-ÖØ-Þ]")
_CAPITALS = re.compile(r"(?<![\w-])[A-Z]{3,8}(?![\w-])")  # an acronym
_MIN_INITIALS, _MAX_INITIALS = 3, 8


def short_names(text: str, candidate: Candidate, mentions: list[Mention],
                context: list[tuple[str, Mention]]) -> list[Mention]:
    """``mentions`` plus one actor mention per occurrence, in the candidate, of the proper-name part
    (``context``: pairs of that part and the actor's mention) of an actor named before it."""
    cs, ce = max(0, candidate.start), min(len(text), candidate.end)
    cores: dict[str, Mention] = {}
    for core, actor in context:
        core = core.strip()
        if len(_CAPITALISED.findall(core)) >= 2 and core not in cores:
            cores[core] = actor
    # a new Pays named exactly as the proper-name part of a body named elsewhere is that body
    # (« le Pays de Tarascon » of « la communauté de communes du Pays de Tarascon »)
    sure = [(m.start, m.end) for m in mentions if m.kind in ("actor", "territory") and m.confidence >= ASSERT_THRESHOLD
            and not (m.iri is None and COOP.PaysStructure in m.types and m.text.strip() in cores
                     and COOP.PaysStructure not in cores[m.text.strip()].types)]
    drop: set[int] = set()
    added: list[Mention] = []
    for core in sorted(cores, key=len, reverse=True):  # the longest first: « Grand Cognac » before « Cognac »
        actor = cores[core]
        # after a space or an elided article (« des services d'Ambert Livradois Forez »), not inside a word
        for m in re.finditer(rf"(?:(?<=\b[dDlL]['’])|(?<![\w'’-])){re.escape(core)}(?![\w-])", text[cs:ce]):
            s, e = cs + m.start(), cs + m.end()
            # a sure mention inside it (the place « Livradois Forez » of « Ambert Livradois Forez ») gives way
            if any(a < e and s < b and not (s <= a and b <= e) for a, b in sure) \
                    or any(x.start < e and s < x.end for x in added):
                continue
            drop.update(i for i, x in enumerate(mentions)
                        if x.kind in ("actor", "territory") and x.start < e and s < x.end)
            added.append(replace(actor, text=text[s:e], start=s, end=e, method="pattern",
                                 confidence=CONF_SHORT_NAME, roles=()))
    # acronyms the document never spells out, made of the initials of a body named before
    # (« la CCPOT » after « Communauté de communes de la Pieve de l'Ornano et du Taravo »)
    spelled: dict[str, Mention] = {}
    for core, actor in context:
        for name in (actor.label or actor.text, core):
            acr = initials(name)
            if _MIN_INITIALS <= len(acr) <= _MAX_INITIALS:
                spelled.setdefault(acr, actor)
    own = [(m.end, initials(m.label or m.text), m) for m in mentions
           if m.kind == "actor" and m.confidence >= ASSERT_THRESHOLD]
    for m in _CAPITALS.finditer(text, cs, ce):
        s, e = m.span()
        # a body named before it in the candidate, else in the document
        actor = next((x for end_, acr, x in own if end_ <= s and acr == m.group()), None) or spelled.get(m.group())
        if actor is None or any(a < e and s < b for a, b in sure) or any(x.start < e and s < x.end for x in added):
            continue
        drop.update(i for i, x in enumerate(mentions) if x.kind in ("actor", "territory") and x.start < e and s < x.end)
        added.append(replace(actor, text=text[s:e], start=s, end=e, method="pattern",
                             confidence=CONF_SHORT_NAME, roles=()))
    if not added:
        return mentions
    return [m for i, m in enumerate(mentions) if i not in drop] + added
