"""A group of intercommunalités the source leaves unnamed, in a case that names them.

A collective noun such as « les communautés de communes du Parc » is minted as a placeholder group
(:func:`.descriptions.mint_group`: "Communautés de communes du Parc naturel régional de la Brenne
(non nommées dans la source)") when the case's text does not name its members around the noun.
When the case names two intercommunalités or more elsewhere (« la CC Brenne – Val de Creuse, la CC
Cœur de Brenne … »), those are the members the noun speaks of: the group is lowered to a
suggestion a reviewer can accept, not asserted next to them. A case that speaks of others than
those it names keeps its group (« les sept autres intercommunalités du Parc »), so do groups of communes
(the case names the intercommunalités, rarely their communes). Pure: mentions in, mentions out.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ontology.namespace import COOP
from ontology.placeholders import is_placeholder_label

from .descriptions import GROUP_NOUNS
from .lexicon import Lexicon
from .linking import name_key
from .model import ASSERT_THRESHOLD, Candidate, Mention

__all__ = ["CONF_NAMED_ELSEWHERE", "MIN_NAMED", "groups_named_elsewhere"]

CONF_NAMED_ELSEWHERE = 0.55  # a suggestion
MIN_NAMED = 2  # named intercommunalités that make an uncounted group of them redundant

# The heads an uncounted group of intercommunalités is named with (« Intercommunalités du … »).
_HEADS = tuple(GROUP_NOUNS[c][0] + " " for c in (COOP.CommunauteDeCommunes, COOP.CommunauteAgglomeration, COOP.EPCI))


# others than the intercommunalités named: the group is not them
_OTHERS = re.compile(r"\bautres\s+(?:intercommunalités|communautés|EPCI)\b", re.IGNORECASE)


def _intercommunal(m: Mention, lexicon: Lexicon) -> bool:
    return any(lexicon.is_subclass(t, COOP.EPCI) for t in m.types)


def groups_named_elsewhere(text: str, candidate: Candidate, mentions: list[Mention],
                           lexicon: Lexicon) -> list[Mention]:
    """``mentions`` with the uncounted placeholder groups of intercommunalités lowered to
    ``CONF_NAMED_ELSEWHERE`` when the case names ``MIN_NAMED`` intercommunalités or more, and does not
    speak of others than those (« les sept autres intercommunalités du Parc »)."""
    if _OTHERS.search(text, max(0, candidate.start), min(len(text), candidate.end)):
        return mentions
    named = {name_key(m.label or m.text) for m in mentions
             if m.kind == "actor" and m.confidence >= ASSERT_THRESHOLD and _intercommunal(m, lexicon)
             and not is_placeholder_label(m.label)}
    if len(named) < MIN_NAMED:
        return mentions
    return [replace(m, confidence=CONF_NAMED_ELSEWHERE)
            if m.kind == "actor" and m.confidence >= ASSERT_THRESHOLD and is_placeholder_label(m.label)
            and (m.label or "").startswith(_HEADS) and _intercommunal(m, lexicon) else m
            for m in mentions]
