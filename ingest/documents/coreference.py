"""One new actor per name in a document, however it is written.

A document often names an actor the base does not know in two ways: « Parc naturel régional du
Massif des Bauges » in one paragraph and « PNR du Massif des Bauges » in the next, or « CC de X » in
a table and « Communauté de communes de X » in the text. Each mention is linked on its own
(:mod:`.linking`), and a new actor's IRI comes from its name, so these would be two actors.

:func:`unify_new_actors` groups the document's new-actor mentions (no IRI) by their normalised
name key (:func:`.linking.name_key`: case, accents, articles and the abbreviations of type words
folded) across all its candidates. Every mention of a group takes the group's *canonical* name,
the longest (then the first in alphabetical order, so that the choice does not depend on the order of
the mentions), a body's own name before its assembly's (« Département d'Eure-et-Loir », not « Conseil
départemental d'Eure-et-Loir »): they then share one IRI and one ``rdfs:label``, and the other names become
``skos:altLabel`` of that actor, so that search and later documents find it under each. A
syndicat mixte named after the SCoT, PNR, Pays or PETR it carries and that structure's own name are
one group (« Syndicat mixte du SCoT du Chalonnais » and « SCoT du Chalonnais »), so are an
agglomération and the communauté d'agglomération of the same name, so are a bare acronym and the one
longer name it starts (« DRAAF » and « DRAAF Bretagne »), and a name and the one longer name that only
adds lowercase words to it. Mentions
linked to an existing actor, and the other kinds, are left as they are. Pure function.
"""
from __future__ import annotations

import re
from dataclasses import replace

from .linking import core_key, name_key
from .model import Mention


def _name(m: Mention) -> str:
    return m.label or m.text


# Structures a syndicat mixte carries and is named after: « Syndicat mixte du SCoT du Chalonnais »
# is « le SCoT du Chalonnais », « Syndicat mixte du Parc naturel régional Livradois-Forez » is « le
# Parc naturel régional Livradois-Forez », « Syndicat mixte du Pays de Brocéliande » « le Pays … ».
_CARRIER = "syndicat mixte "
_MAX_BETWEEN = 2  # « Syndicat mixte de gestion du Parc … », « … d'aménagement et de gestion du … »
_CARRIED = ("scot ", "parc naturel regional ", "pays ", "pole equilibre territorial rural ")


_ACRONYM = re.compile(r"[A-ZÀ-Ý]{2,}")


def _short_form(short: str, long: str) -> bool:
    """``long`` is ``short`` and lowercase words (« forestière »), or ``short`` is the first part of a
    compound name (« … du Pays de Dol » of « … du Pays de Dol et de la Baie du Mont-Saint-Michel »)."""
    tail = long[len(short):]
    return long.startswith(short) and tail[:1] == " " and (all(w[:1].islower() for w in tail.split())
                                                            or tail.startswith(" et "))


def carried(key: str) -> str | None:
    """The key of the structure a syndicat mixte's name says it carries (« syndicat mixte [gestion]
    parc naturel regional luberon »: at most two words between), or None."""
    if not key.startswith(_CARRIER):
        return None
    words = key[len(_CARRIER):].split()
    for skip in range(_MAX_BETWEEN + 1):
        rest = " ".join(words[skip:])
        if rest.startswith(_CARRIED):
            return rest
    return None


def unify_new_actors(mentions: list[list[Mention]]) -> tuple[list[list[Mention]], dict[str, tuple[str, ...]]]:
    """``mentions[i]`` are the mentions of the document's candidate i. Returns the same lists,
    new-actor mentions renamed to their group's canonical name, and for each canonical name that
    has others, those other names (sorted)."""
    names: dict[str, set[str]] = {}
    types: dict[str, set] = {}
    for found in mentions:
        for m in found:
            if m.kind == "actor" and m.iri is None and (key := name_key(_name(m))):
                names.setdefault(key, set()).add(_name(m))
                types.setdefault(key, set()).update(m.types)
    # « Agglo de Saint-Malo » and « Saint-Malo Agglomération »: one name with its type word before or after it
    by_core: dict[tuple[str, frozenset], list[str]] = {}
    for key in names:
        if (core := core_key(key)) and core != key:
            by_core.setdefault((core, frozenset(types[key])), []).append(key)
    for keys in by_core.values():
        if len(keys) > 1:
            best = min(keys, key=lambda k: (-len(k), k))
            for k in keys:
                if k != best:
                    names[best] |= names.pop(k)
    for key in list(names):
        structure = carried(key)
        if structure in names and key in names:
            names[key] |= names.pop(structure)
    # « l'agglomération du Marsan et de la Midouze » is the « Communauté d'agglomération du Marsan … »
    for key in list(names):
        full = f"communaute {key}"
        if key.startswith("agglomeration ") and full in names and key in names:
            names[full] |= names.pop(key)
    # « la DRAAF » and « DRAAF Bretagne », « l'ADEME » and « ADEME Bourgogne-Franche-Comté »: a bare
    # acronym and the one longer name it starts in the document are one body; so are a name and the one
    # name that only adds lowercase words to it (« … de la Haute Lande » and « … de la Haute Lande forestière »)
    for key in list(names):
        longer = [k for k in names if k.startswith(key + " ")]
        if len(longer) == 1 and (any(_ACRONYM.fullmatch(n) for n in names[key])
                                 or any(_short_form(a, b) for a in names[key] for b in names[longer[0]])):
            names[longer[0]] |= names.pop(key)
    canonical: dict[str, str] = {}
    others: dict[str, tuple[str, ...]] = {}
    for group in names.values():
        if len(group) < 2:
            continue
        best = min(group, key=lambda n: (n.lower().startswith("conseil "), -len(n), n))
        for n in group:
            canonical[n] = best
        others[best] = tuple(sorted(group - {best}))
    if not canonical:
        return mentions, {}
    out = [[replace(m, label=canonical[_name(m)])
            if m.kind == "actor" and m.iri is None and _name(m) in canonical else m for m in found]
           for found in mentions]
    return out, others
