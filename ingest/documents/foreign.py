"""Cross-border partners named in their own language: « Stad Wervik », « Provincie West-Vlaanderen »,
« Landkreis Lörrach », « Regione Piemonte », « Diputación Foral de Gipuzkoa », « Eurométropole
Lille-Kortrijk-Tournai ».

French documents about cross-border cooperation keep the partner's own name; its head word (the
foreign « ville », « province », « Land »…) says what kind of body it is. A head is capitalised, as in
the names; its name follows, capitalised words joined by the connectors of the four languages.
A pure function of the text, read by :func:`.patterns.find_institutions` (overlaps: the longest wins).
"""
from __future__ import annotations

import re

from rdflib import URIRef

from ontology.namespace import COOP

from .heads import APOS, UPPER

# head word -> class (the municipal level is a commune, the levels above a territorial authority)
_HEADS: dict[str, URIRef] = {
    # Dutch (Belgium, the Netherlands)
    "Stad": COOP.Commune, "Gemeente": COOP.Commune, "Provincie": COOP.LocalAuthority,
    # German (Germany, Switzerland, Austria)
    "Stadt": COOP.Commune, "Gemeinde": COOP.Commune, "Landkreis": COOP.LocalAuthority, "Kreis": COOP.LocalAuthority,
    "Land": COOP.LocalAuthority, "Regierungspräsidium": COOP.PublicActor, "Kanton": COOP.PublicActor,
    "Regionalverband": COOP.LocalAuthority, "Zweckverband": COOP.PublicActor,
    # Italian
    "Comune": COOP.Commune, "Provincia": COOP.LocalAuthority, "Regione": COOP.LocalAuthority,
    "Regione autonoma": COOP.LocalAuthority, "Città metropolitana": COOP.LocalAuthority,
    "Unione dei Comuni": COOP.PublicActor, "Unione Montana": COOP.PublicActor,
    # Spanish, Catalan, Basque country
    "Ayuntamiento": COOP.Commune, "Ajuntament": COOP.Commune, "Diputación": COOP.LocalAuthority,
    "Diputación Foral": COOP.LocalAuthority, "Gobierno": COOP.LocalAuthority, "Generalitat": COOP.LocalAuthority,
    "Comunidad Foral": COOP.LocalAuthority, "Consell Comarcal": COOP.LocalAuthority,
    "Mancomunidad": COOP.PublicActor, "Consorcio": COOP.PublicActor,
    # Belgian bodies named in French: provinces, intercommunal companies (« intercommunale IDETA »)
    "Province": COOP.LocalAuthority, "Intercommunale": COOP.PublicActor, "intercommunale": COOP.PublicActor,
    "Parc naturel": COOP.PNR,  # Wallonia's « Parc naturel des Plaines de l'Escaut » (not « … régional … »)
    # the Lille-Kortrijk-Tournai GECT (the Eurométropole de Strasbourg is a French métropole: below)
    "Eurométropole": COOP.PublicActor,
}
_CONNECTOR = rf"(?:an[ \u00a0]+der|aan[ \u00a0]+de|am|im|op|de[ \u00a0]+la|de[ \u00a0]+l[{APOS}]|d[{APOS}]|di|de|del|della|du|des|van|von|der)"
_WORD = rf"[{UPPER}][\w{APOS}-]*"
_NAME = rf"{_WORD}(?:[ \u00a0]+(?:{_CONNECTOR}[ \u00a0]*)?{_WORD}|[ \u00a0]+d[{APOS}]{_WORD}){{0,3}}"
_FOREIGN_RE = re.compile(
    rf"(?<![\w-])(?P<head>{'|'.join(sorted(map(re.escape, _HEADS), key=len, reverse=True))})"
    rf"(?:[ \u00a0]+(?P<connector>{_CONNECTOR}))?[ \u00a0]*(?<=[ \u00a0{APOS}])(?P<name>{_NAME})"
)


def find_foreign(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, URIRef, str]]:
    """(start, end, class, core name) of every foreign body named in ``text[start:end]``."""
    end = len(text) if end is None else end
    out = []
    for m in _FOREIGN_RE.finditer(text, start, end):
        head, core = m.group("head"), m.group("name")
        cls = _HEADS[head]
        if head == "Eurométropole" and m.group("connector") and core.startswith("Strasbourg"):
            cls = COOP.Metropole
        out.append((m.start(), m.end(), cls, core))
    return out
