"""`coopkg bench ingest`: throughput of raw-document ingestion (`coopkg ingest`), cold, on 2 cores.

1. **Documents.** :func:`generate_documents` renders the curated cases of ``corpus/cases`` as
   realistic French documents, deterministically (same seed, same bytes): markdown handouts with
   label headings, seed-002-style slide decks (``.txt``: a running slide title, ``→ practice``
   arrows, TAB grids with ``<ul> ✓ …`` cells; two or three practices per deck), one-practice
   ``Label : content`` slides (``.txt``), HTML pages with a grid table and DOCX notes
   (python-docx, re-zipped with fixed timestamps). The text is the case's own material — summary,
   grid fields, actors' names (label or alternative label) in French institutional phrasing with
   their roles, instruments, governance, levers and concepts with their definitions, themes,
   territories, period, source quote — plus a few generic sentences of practitioners' lessons, so
   documents run from about 300 to 1,300 words.
2. **Base.** ``coopkg build`` of the repository corpus (SHACL on, the search index with the same
   model; the embedding cache is seeded from ``data/cache`` when present) into
   ``benchmarks/work/ingest/template``, copied to a fresh home for every measured run.
3. **Measured run**, in a child process pinned to cores {0, 1} (``python -m
   benchmarks.ingest_bench child …``): ``Ingestor(settings).run([documents dir])`` as ``coopkg
   ingest`` does it — cold: spaCy (``fr_core_news_md``) and the embedding model are loaded inside
   the run. The ingestor's own stage timings (parse, segment, nlp, embedding, graph, shacl, store)
   are completed by probes installed by this benchmark only (functions wrapped at run time, no
   production code changed): model loading (spaCy, the embedding model or its ONNX export), spaCy's NER call,
   gazetteer, institution rules, linking, roles, NER post-processing, semantic (definition
   similarity, its embedding calls apart), lexicon loading and the search index update (its
   embedding apart). Probes keep *exclusive* time (a probe nested in another is subtracted from
   it). After the run, in the same process, ``nlp.pipe`` over the same document texts gives the
   speed of spaCy alone.

Results: ``benchmarks/results/ingest.json``; summary: the "Ingestion" section of
docs/benchmarks.md. Run: ``coopkg bench ingest`` (or ``python -m benchmarks.ingest_bench``).
"""
from __future__ import annotations

import datetime as dt
import functools
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable, Sequence

import click

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "corpus"
WORK_DIR = ROOT / "benchmarks" / "work" / "ingest"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
RESULTS_FILE = RESULTS_DIR / "ingest.json"
DOCS_FILE = ROOT / "docs" / "benchmarks.md"
GOAL_WORDS_PER_S = 3000.0  # end to end, 2 cores
FORMATS = ("md", "deck", "html", "docx", "labels")
ZIP_DATE = (2024, 3, 15, 10, 0, 0)

Echo = Callable[[str], None]


# ================================================================================ documents

@dataclass
class GeneratedDocument:
    path: Path
    format: str  # one of FORMATS
    cases: list[str]  # corpus case ids rendered in it


_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")
_DOC_KINDS = ("Fiche d'expérience", "Compte rendu de la journée d'échanges", "Note de synthèse",
              "Support de présentation", "Retour d'expérience", "Dossier de l'atelier")
_EVENTS = ("Rencontre régionale des chargés de mission", "Journée d'exploration de pratiques",
           "Atelier du réseau des territoires ruraux", "Séminaire des directeurs généraux des services",
           "Université d'été du développement territorial")
_DECK_TITLES = ("Quels outils pour formaliser des coopérations ?", "Coopérer entre territoires : retours d'expériences",
                "Formaliser une coopération : quels outils ?")
# Generic lessons practitioners write at the end of a fiche (no names: they dilute, they do not mislead).
LESSONS = (
    "La confiance entre les élus s'est construite progressivement, au fil des réunions et des visites de terrain.",
    "Les techniciens insistent sur le temps nécessaire pour partager un vocabulaire commun entre structures.",
    "La coopération n'a pas créé de nouvelle structure : elle s'appuie sur les instances existantes.",
    "Un calendrier partagé des réunions a permis d'éviter que les mêmes élus soient sollicités deux fois.",
    "Le portage politique reste déterminant : sans un élu référent de chaque côté, les projets s'essoufflent.",
    "Les habitants ont été associés tardivement, ce que les partenaires souhaitent corriger dans la suite.",
    "Les moyens humains dédiés restent modestes, souvent une fraction de poste de chargé de mission.",
    "La démarche a d'abord porté sur des sujets consensuels avant d'aborder les questions plus sensibles.",
    "Chaque partenaire garde ses compétences ; la coopération porte sur la manière de les exercer ensemble.",
    "Une évaluation à mi-parcours est prévue, avec des indicateurs simples suivis par le comité technique.",
    "Les communes rurales craignaient d'être absorbées par la ville-centre ; les règles de représentation les ont rassurées.",
    "Le partage des données entre les services a demandé une convention spécifique et plusieurs mois de travail.",
    "Les élus soulignent l'intérêt de se rencontrer hors des séances officielles, dans un cadre plus informel.",
    "Les financements de droit commun ont été mobilisés en priorité, complétés ponctuellement par des crédits européens.",
    "Le changement d'exécutif après les élections municipales a ralenti la démarche pendant près d'un an.",
    "Une lettre d'information trimestrielle rend compte des avancées aux conseils municipaux.",
    "La coopération a aussi fait évoluer les pratiques internes de chaque structure.",
    "Les partenaires reconnaissent que les résultats sont difficiles à mesurer, mais les liens créés sont durables.",
    "Le diagnostic partagé a servi de point de départ et de référence commune tout au long du projet.",
    "Des groupes de travail thématiques réunissent élus, techniciens et acteurs socio-économiques.",
    "La question de la répartition des charges a été réglée par une clé simple, revue chaque année.",
    "Les petites communes disposent désormais d'un interlocuteur identifié pour leurs projets.",
    "Le dispositif reste fragile : il repose sur quelques personnes très investies.",
    "La mutualisation des moyens d'ingénierie a permis de répondre à des appels à projets auparavant hors de portée.",
    "Les séances plénières alternent entre les territoires partenaires pour que chacun accueille à son tour.",
    "La presse locale a relayé la démarche, ce qui a renforcé l'adhésion des conseils municipaux.",
    "Un règlement intérieur précise le rôle de chaque instance et la fréquence des réunions.",
    "Les agents des différentes structures se forment ensemble, ce qui facilite le travail quotidien.",
)
_ROLE_SENTENCES = {
    "pilote": ("La démarche est pilotée par {a}.", "{A} en assure le pilotage."),
    "porteur": ("Le projet est porté par {a}.", "{A} en est le porteur."),
    "signataire": ("{A} figure parmi les signataires.", "Le document a été signé par {a}."),
    "financeur": ("L'action est cofinancée par {a}.", "{A} participe au financement."),
    "animateur": ("L'animation est assurée par {a}.", "Les réunions sont animées par {a}."),
    "appui": ("La démarche est accompagnée par {a}.", "{A} apporte un appui technique et méthodologique."),
    "membre": ("{A} en est membre.", "Parmi les membres figure {a}."),
    "beneficiaire": ("Les actions sont conduites au profit de {a}.", "{A} en sont les premiers bénéficiaires."),
    "initiateur": ("La coopération a été lancée à l'initiative de {a}.", "{A} est à l'origine de la démarche."),
    "prescripteur": ("{A} oriente les publics vers le dispositif.", "{A}, prescripteur, relaie l'offre."),
    "partenaire": ("{A} est associé à la démarche en tant que partenaire.", "La démarche associe aussi {a}."),
}
_FEMININE = ("communauté", "région", "commune", "métropole", "ville", "coopérative", "commission", "association",
             "agence", "direction", "préfecture", "fédération", "chambre", "caisse", "mission", "maison", "conférence",
             "union", "entente", "entreprise")
_MASCULINE = ("pays", "parc", "pôle", "département", "syndicat", "conseil", "comité", "réseau", "centre",
              "commissariat", "collectif", "groupement", "service", "territoire", "établissement", "ministère",
              "laboratoire", "institut", "comptoir", "bureau")
_PLURAL = ("élus", "habitants", "citoyens", "communes", "collectivités", "entreprises", "associations", "acteurs",
           "intercommunalités", "entrepreneurs", "initiatives", "territoires", "agents")
_PLACEHOLDER = re.compile(r"\s*\(non nomm[^)]*\)")


def _article(name: str) -> str:
    """``name`` with the French definite article institutional prose puts before it ("le Pays de
    …", "la communauté de communes …", "l'agence …", "le CGET"); proper names stay bare."""
    words = name.split()
    if not words:
        return name
    first = words[0].strip("«»\"(").lower()
    if first in _PLURAL:
        return "les " + name[:1].lower() + name[1:]
    acronym = len(words[0]) > 1 and words[0].isupper()
    if first in _FEMININE or first in _MASCULINE or acronym:
        if first[:1] in "aeéèêiîoôuh" and not acronym or acronym and first[:1] in "aeiou":
            return "l'" + name
        return ("la " if first in _FEMININE else "le ") + name
    return name  # a proper name: "Brest métropole", "Initiatives et Cités"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass
class _Corpus:
    cases: list  # ingest.corpus.Entry, sorted by id
    actors: dict
    territories: dict
    levers: dict
    concepts: dict
    themes: dict
    roles: dict


@functools.lru_cache(maxsize=2)
def _load(corpus_dir: str) -> _Corpus:
    from ingest.corpus import load_corpus

    c = load_corpus(Path(corpus_dir))
    return _Corpus(sorted(c.of("case").values(), key=lambda e: e.id), c.of("actor"), c.of("territory"), c.of("lever"),
                   c.of("concept"), c.of("theme"), c.of("role"))


@dataclass
class _Practice:
    """One case, as the text a document about it holds (format-independent)."""

    case_id: str
    title: str
    aka: list[str]
    summary: list[str]  # paragraphs
    grid: dict[str, list[str]]  # grid field (GRID_FIELDS) -> items
    actors_prose: list[str]  # sentences naming the actors with their roles
    instruments: list[str]
    levers: list[str]
    concepts: list[str]
    themes: str
    territory: str
    period: str
    source: str
    lessons: list[str]


def _actor_name(entry, rng: random.Random) -> str:
    """The actor's label, or now and then one of its alternative labels (as documents vary)."""
    alts = [a for a in entry.get("alt_labels") or [] if len(a) > 3]
    name = rng.choice(alts) if alts and rng.random() < 0.3 else entry["label"]
    return _PLACEHOLDER.sub("", name)


def _practice(corpus: _Corpus, case, rng: random.Random, lessons: int) -> _Practice:
    f = case.fields
    grid_in = f.get("grid") or {}
    actors = []
    for p in f.get("participations") or []:
        a = corpus.actors.get(p["actor"])
        if a is not None:
            actors.append((a, _actor_name(a, rng), list(p.get("roles") or [])))
    grid: dict[str, list[str]] = {}
    for fld in ("triggers", "partners_scale", "stakes", "ambitions", "object"):
        value = grid_in.get(fld)
        items = [value] if isinstance(value, str) else list(value or [])
        if items:
            grid[fld] = [" ".join(str(i).split()) for i in items]
    grid["actors"] = [f"{_cap(name)} ({', '.join(t.label for t in a['types'])}) : "
                      f"{', '.join(corpus.roles[r]['label'].lower() for r in roles if r in corpus.roles)}"
                      for a, name, roles in actors]
    gov = []
    for g in grid_in.get("governance") or []:
        if isinstance(g, dict):
            gov.append(" — ".join(x for x in (g.get("name"), g.get("function"), g.get("composition")) if x))
        elif g:
            gov.append(str(g))
    if gov:
        grid["governance"] = gov
    prose = []
    for a, name, roles in actors:
        role = rng.choice(roles) if roles else "partenaire"
        template = rng.choice(_ROLE_SENTENCES.get(role, _ROLE_SENTENCES["partenaire"]))
        phrase = _article(name)
        prose.append(template.format(a=phrase, A=_cap(phrase)))
    instruments = []
    for ins in f.get("instruments") or []:
        text = f"{_cap(ins['type'].label)} : {ins['label']}"
        if ins.get("note"):
            text += f". {ins['note']}"
        instruments.append(text.rstrip(".") + ".")
    levers = [f"Levier {lid[1:]} — {corpus.levers[lid]['label']} : {corpus.levers[lid]['definition']}"
              for lid in f.get("levers") or [] if lid in corpus.levers]
    concepts = [f"{corpus.concepts[c]['label']} : {corpus.concepts[c]['definition']}"
                for c in f.get("concepts") or [] if c in corpus.concepts and corpus.concepts[c].get("definition")]
    themes = ", ".join(corpus.themes[t]["label"].lower() for t in f.get("themes") or [] if t in corpus.themes)
    places = []
    for tid in f.get("territories") or []:
        t = corpus.territories.get(tid)
        if t is None:
            continue
        within = [corpus.territories[x]["label"] for x in (t.get("departements") or []) + (t.get("regions") or [])
                  if x in corpus.territories]
        places.append(t["label"] + (f" ({', '.join(within)})" if within else ""))
    period = f.get("period") or {}
    when = []
    if period.get("start"):
        when.append(f"Depuis {period['start']}" + (f", jusqu'en {period['end']}" if period.get("end") else "") + ".")
    if period.get("note"):
        when.append(str(period["note"]))
    src = (f.get("sources") or [{}])[0]
    source = ""
    if src.get("quote"):
        source = f"Extrait de la source ({src.get('section') or 'présentation'}) : « {src['quote']} »."
    summary = " ".join(str(f.get("summary") or "").split())
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý])", summary)
    cut = max(1, len(sentences) // 2)
    paragraphs = [" ".join(sentences[:cut]), " ".join(sentences[cut:])] if len(sentences) > 2 else [summary]
    return _Practice(
        case_id=case.id, title=" ".join(str(f["title"]).split()),
        aka=[" ".join(a.split()) for a in (f.get("alt_labels") or [])[:3]],
        summary=[p for p in paragraphs if p], grid=grid, actors_prose=prose, instruments=instruments, levers=levers,
        concepts=concepts, themes=themes, territory="Territoire : " + " ; ".join(places) + "." if places else "",
        period=" ".join(when), source=source, lessons=rng.sample(LESSONS, lessons))


_GRID_LABELS = {  # as people write them, per format family
    "slide": {"triggers": "Eléments déclencheurs", "partners_scale": "Partenaires / échelle", "stakes": "Enjeux",
              "ambitions": "Ambitions", "object": "Objet", "actors": "Acteurs impliqués", "governance": "Gouvernance"},
    "prose": {"triggers": "Contexte", "partners_scale": "Partenaires et échelle", "stakes": "Enjeux",
              "ambitions": "Objectifs", "object": "Actions", "actors": "Acteurs impliqués", "governance": "Instances"},
}


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1, 28)} {rng.choice(_MONTHS)} {rng.randint(2014, 2024)}"


def _place(corpus: _Corpus, p: _Practice) -> str:
    return p.territory.removeprefix("Territoire : ").split(" (")[0].split(" ; ")[0].rstrip(".") or "France"


def _closing(p: _Practice) -> list[str]:
    """Prose paragraphs after the grid: actors' roles, instruments, levers, concepts, themes…"""
    out = [" ".join(p.actors_prose)] if p.actors_prose else []
    if p.instruments:
        out.append("Outils mobilisés. " + " ".join(p.instruments))
    if p.levers:
        out.append(("Leviers de coopération mobilisés. " if len(p.levers) > 1 else "Levier de coopération mobilisé. ")
                   + " ".join(x.rstrip(".") + "." for x in p.levers))
    if p.concepts:
        out.append("Notions clés. " + " ".join(x.rstrip(".") + "." for x in p.concepts))
    if p.themes:
        out.append(f"Thématiques abordées : {p.themes}.")
    for x in (p.territory, p.period, p.source):
        if x:
            out.append(x)
    if p.lessons:
        out.append("Enseignements. " + " ".join(p.lessons))
    return out


def _render_md(ps: list[_Practice], rng: random.Random, corpus: _Corpus) -> str:
    p = ps[0]
    labels = _GRID_LABELS["prose"]
    lines = [f"# {p.title}", "", f"{rng.choice(_DOC_KINDS)} — {_place(corpus, p)}, {_date(rng)}.", ""]
    if p.aka:
        lines += [f"Également désigné : {' ; '.join(p.aka)}.", ""]
    for para in p.summary:
        lines += [para, ""]
    for fld in ("triggers", "partners_scale", "stakes", "ambitions", "object", "actors", "governance"):
        items = p.grid.get(fld)
        if not items:
            continue
        lines += [f"## {labels[fld]}", ""]
        if len(items) == 1 and fld in ("triggers", "partners_scale"):
            lines += [items[0], ""]
        else:
            lines += [f"- {x}" for x in items] + [""]
    lines += ["## Pour aller plus loin", ""]
    for para in _closing(p):
        lines += [para, ""]
    return "\n".join(lines).rstrip() + "\n"


def _ul(items: Sequence[str]) -> str:
    return '<ul style="list-style-type: none"> ' + " ".join(f"✓ {x}" for x in items)


def _render_deck(ps: list[_Practice], rng: random.Random, corpus: _Corpus) -> str:
    """Seed 002's style: a running slide title, ``→ practice`` arrows, TAB grids with HTML fragments."""
    labels = _GRID_LABELS["slide"]
    running = rng.choice(_DECK_TITLES)
    lines = [running, "", rng.choice(_EVENTS), _cap(_date(rng)), _place(corpus, ps[0]), "", "x o + o", ""]
    for p in ps:
        lines += [running, "", f"→ {p.title}", ""]
        for fld in ("triggers", "partners_scale", "stakes", "ambitions", "object", "actors", "governance"):
            items = p.grid.get(fld)
            if not items:
                continue
            style = rng.random()
            if len(items) == 1 and fld != "actors":
                cell = items[0]
            elif fld in ("actors", "governance"):
                cell = " ".join(f"<p>{x}</p>" for x in items)
            elif style < 0.6:
                cell = _ul(items)
            else:
                cell = " ".join(f"• {x}" for x in items)
            lines.append(f"{labels[fld]}\t{cell}")
        lines.append("")
        for para in p.summary + _closing(p)[:rng.randint(2, 6)]:
            lines += [para, ""]
        lines += ["×  ○  +", ""]
    return "\n".join(lines).rstrip() + "\n"


def _render_labels(ps: list[_Practice], rng: random.Random, corpus: _Corpus) -> str:
    """One practice on ``Label : content`` slides (a .txt export)."""
    p = ps[0]
    labels = _GRID_LABELS["slide"] if rng.random() < 0.5 else _GRID_LABELS["prose"]
    lines = [p.title, "", f"{rng.choice(_EVENTS)} — {_date(rng)}.", ""]
    lines += [p.summary[0], ""]
    for fld in ("triggers", "partners_scale", "stakes", "ambitions", "object", "actors", "governance"):
        items = p.grid.get(fld)
        if not items:
            continue
        if len(items) == 1:
            lines.append(f"{labels[fld]} : {items[0]}")
        else:
            lines.append(f"{labels[fld]} :")
            mark = rng.choice(("- ", "✓ ", "• "))
            lines += [f"{mark}{x}" for x in items]
        lines.append("")
    for para in p.summary[1:] + _closing(p):
        lines += [para, ""]
    return "\n".join(lines).rstrip() + "\n"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _render_html(ps: list[_Practice], rng: random.Random, corpus: _Corpus) -> str:
    p = ps[0]
    labels = _GRID_LABELS["slide"]
    out = ['<!DOCTYPE html>', '<html lang="fr">', '<head>', '<meta charset="utf-8">',
           f"<title>{_esc(p.title)} – fiche pratique</title>", "</head>", "<body>",
           '<nav><a href="/">Accueil</a> &gt; <a href="/fiches">Fiches pratiques</a></nav>',
           f"<h1>{_esc(p.title)}</h1>", f"<p><em>{_esc(rng.choice(_DOC_KINDS))}, {_esc(_date(rng))}.</em></p>"]
    out += [f"<p>{_esc(x)}</p>" for x in p.summary]
    out += ["<table>", "<thead><tr><th>Rubrique</th><th>Contenu</th></tr></thead>", "<tbody>"]
    for fld in ("triggers", "partners_scale", "stakes", "ambitions", "object", "actors", "governance"):
        items = p.grid.get(fld)
        if items:
            out.append(f"<tr><td>{labels[fld]}</td><td>{'<br>'.join(_esc(x) for x in items)}</td></tr>")
    out += ["</tbody>", "</table>"]
    closing = _closing(p)
    if p.actors_prose:
        out += ["<h2>Qui fait quoi ?</h2>", f"<p>{_esc(closing.pop(0))}</p>"]
    if p.instruments:
        out += ["<h2>Outils</h2>", "<ul>"] + [f"<li>{_esc(x)}</li>" for x in p.instruments] + ["</ul>"]
        closing = [c for c in closing if not c.startswith("Outils mobilisés")]
    out += ["<h2>Pour aller plus loin</h2>"] + [f"<p>{_esc(x)}</p>" for x in closing]
    out += ["<footer><p>Fiche rédigée par le réseau des territoires en coopération.</p></footer>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _rezip(data: bytes) -> bytes:
    """The same zip with fixed timestamps (python-docx stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename), compresslevel=6)
    return out.getvalue()


def _render_docx(ps: list[_Practice], rng: random.Random, corpus: _Corpus) -> bytes:
    import docx

    p = ps[0]
    labels = _GRID_LABELS["prose"]
    document = docx.Document()
    props = document.core_properties
    props.title, props.author, props.comments, props.last_modified_by = p.title, "Réseau des territoires", "", ""
    props.revision = 1
    props.created = props.modified = dt.datetime(2024, 3, 15, 9, 0, 0)
    document.add_heading(p.title, level=1)
    document.add_paragraph(f"{rng.choice(_DOC_KINDS)} — {_date(rng)}.")
    for para in p.summary:
        document.add_paragraph(para)
    rows = [(labels[f], p.grid[f]) for f in ("triggers", "partners_scale", "stakes", "ambitions", "object",
                                              "governance") if p.grid.get(f)]
    if rows:
        table = document.add_table(rows=len(rows), cols=2)
        table.style = "Table Grid"
        for i, (label, items) in enumerate(rows):
            table.cell(i, 0).text = label
            cell = table.cell(i, 1)
            cell.text = items[0]
            for x in items[1:]:
                cell.add_paragraph(x)
    if p.grid.get("actors"):
        document.add_heading(labels["actors"], level=2)
        for x in p.grid["actors"]:
            document.add_paragraph(x, style="List Bullet")
    document.add_heading("Pour aller plus loin", level=2)
    for para in _closing(p):
        document.add_paragraph(para)
    buffer = io.BytesIO()
    document.save(buffer)
    return _rezip(buffer.getvalue())


_RENDER = {"md": (".md", _render_md), "deck": (".txt", _render_deck), "labels": (".txt", _render_labels),
           "html": (".html", _render_html), "docx": (".docx", _render_docx)}


def document_plan(n: int, seed: int = 0, corpus_dir: Path = CORPUS_DIR) -> list[tuple[str, list[str]]]:
    """(format, case ids) of each of the ``n`` documents: every case in turn, formats in a shuffled
    cycle; a deck holds its case and the next one or two."""
    cases = [c.id for c in _load(str(corpus_dir)).cases]
    rng = random.Random(f"plan:{seed}")
    formats: list[str] = []
    plan = []
    for i in range(n):
        if not formats:
            formats = list(FORMATS)
            rng.shuffle(formats)
        fmt = formats.pop()
        k = i % len(cases)
        ids = [cases[k]]
        if fmt == "deck":
            ids += [cases[(k + j) % len(cases)] for j in range(1, rng.choice((2, 3)))]
        plan.append((fmt, ids))
    return plan


def generate_documents(dest: Path, n: int = 60, seed: int = 0, corpus_dir: Path = CORPUS_DIR) -> list[GeneratedDocument]:
    """Write ``n`` documents rendered from ``corpus_dir``'s cases into ``dest`` (emptied first);
    the same arguments give byte-identical files."""
    corpus = _load(str(Path(corpus_dir).resolve()))
    by_id = {c.id: c for c in corpus.cases}
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    out = []
    for i, (fmt, ids) in enumerate(document_plan(n, seed, Path(corpus_dir).resolve())):
        rng = random.Random(f"doc:{seed}:{i}")
        ps = [_practice(corpus, by_id[c], rng, rng.randint(0, 8) if fmt != "deck" else rng.randint(0, 3)) for c in ids]
        ext, render = _RENDER[fmt]
        path = dest / f"{i + 1:03d}-{fmt}-{ids[0]}{ext}"
        body = render(ps, rng, corpus)
        path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
        out.append(GeneratedDocument(path, fmt, ids))
    return out


# ================================================================================ probes

class Probes:
    """Exclusive wall time per key of wrapped functions (a probe's time excludes the probes called
    inside it), and the same for the CPU time of the calling thread (``cpu``)."""

    def __init__(self):
        import threading

        self.exclusive: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)  # thread CPU time, exclusive like ``exclusive``
        self.calls: Counter = Counter()
        self._local = threading.local()  # each thread its own stack of [key, child seconds]
        self._main = threading.main_thread()
        self._undo: list[tuple[object, str, object]] = []
        self.embed_calls: list[dict] = []  # per call of an embedder: stage, texts, words, seconds
        self.passages: list[str] = []  # every text embedded as a passage, outside the definitions

    def timed(self, key: str | Callable[["Probes"], str], fn: Callable) -> Callable:
        probes = self

        @functools.wraps(fn)
        def inner(*args, **kwargs):
            name = key(probes) if callable(key) else key
            if not probes._on_main():  # overlaps the main thread: kept apart from the split of the run
                name = BACKGROUND + name
            probes._stack.append([name, 0.0, 0.0])
            t, c = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed, cpu = time.perf_counter() - t, time.thread_time() - c
                _, child, child_cpu = probes._stack.pop()
                probes.exclusive[name] += elapsed - child
                probes.cpu[name] += cpu - child_cpu
                probes.calls[name] += 1
                if probes._stack:
                    probes._stack[-1][1] += elapsed
                    probes._stack[-1][2] += cpu
        return inner

    @property
    def _stack(self) -> list[list]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def _on_main(self) -> bool:
        import threading

        return threading.current_thread() is self._main

    def parent(self) -> str:
        """The innermost probe of this thread; "ahead" at the top of a background thread (the
        ingestion's embedding thread, :mod:`coopkg.prefetch`), "top" on the main thread."""
        if self._stack:
            return self._stack[-1][0].removeprefix(BACKGROUND)
        return "top" if self._on_main() else "ahead"

    def patch(self, owner, attr: str, key, *, kind: str = "function") -> None:
        original = owner.__dict__[attr] if isinstance(owner, type) else getattr(owner, attr)
        self._undo.append((owner, attr, original))
        if kind == "classmethod":
            setattr(owner, attr, classmethod(self.timed(key, original.__func__)))
        else:
            setattr(owner, attr, self.timed(key, original))

    def restore(self) -> None:
        while self._undo:
            owner, attr, original = self._undo.pop()
            setattr(owner, attr, original)

    def snapshot(self) -> dict[str, float]:
        return dict(self.exclusive)


class TimedNLP:
    """A spaCy pipeline whose calls are timed as ``spacy_ner``."""

    def __init__(self, nlp, probes: Probes):
        self._nlp = nlp
        self._call = probes.timed("spacy_ner", nlp.__call__)

    def __call__(self, *args, **kwargs):
        return self._call(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._nlp, name)


# Probes recorded on another thread than the main one (the embedding thread, spaCy's loading):
# their time overlaps the main thread's, so they are reported apart from the split of the run.
BACKGROUND = "background: "
# Model loading the main thread waited for: spaCy loaded there or waited for (it is loaded on a
# thread from the start of the run, coopkg/ingesting.py `_start_nlp`), the embedding model.
MODEL_LOAD_KEYS = ("spacy_load", "spacy_wait", "embedder_load")


def install_probes() -> Probes:
    """Wrap the functions of the ingestion path this benchmark splits the time of."""
    import ingest.documents.descriptions as descriptions
    import ingest.documents.extract as ex
    import ingest.documents.institutions as institutions
    import ingest.documents.ner as ner
    import ingest.documents.semantic as semantic
    from coopkg.ingesting import Ingestor
    from coopkg.prefetch import Prefetch
    from ingest.documents.gazetteer import Gazetteer
    from ingest.documents.lexicon import Lexicon
    from ingest.documents.linking import Linker
    from kb import documents
    from search.embedder import HashingEmbedder, SentenceTransformerEmbedder

    p = Probes()
    original_load_nlp = ner.load_nlp

    def load_nlp(*args, **kwargs):
        return TimedNLP(original_load_nlp(*args, **kwargs), p)

    p._undo.append((ner, "load_nlp", original_load_nlp))
    ner.load_nlp = p.timed("spacy_load", load_nlp)
    p.patch(SentenceTransformerEmbedder, "_load", "embedder_load")
    p.patch(SentenceTransformerEmbedder, "_load_onnx", "embedder_load")  # COOPKG_PASSAGE_ENCODER=onnx-fp32
    embed_key = lambda probes: f"embed ({probes.parent()})"  # noqa: E731 - the caller decides the stage
    for cls in (SentenceTransformerEmbedder, HashingEmbedder):
        for attr in ("embed_queries", "embed_passages"):
            original = cls.__dict__[attr]
            p._undo.append((cls, attr, original))
            timed = p.timed(embed_key, original)

            def recorded(self, texts, _timed=timed):
                stage = p.parent()
                loading = p.exclusive.get("embedder_load", 0.0)
                t = time.perf_counter()
                try:
                    return _timed(self, texts)
                finally:
                    seconds = time.perf_counter() - t - (p.exclusive.get("embedder_load", 0.0) - loading)
                    items = [texts] if isinstance(texts, str) else list(texts)
                    if _timed.__name__ == "embed_passages" and stage != "definitions":
                        p.passages.extend(str(x) for x in items)
                    p.embed_calls.append({"stage": stage, "texts": len(items),
                                          "words": sum(len(str(x).split()) for x in items), "seconds": seconds})
            setattr(cls, attr, recorded)
    p.patch(ex, "extract", "extract (rest)")
    p.patch(Gazetteer, "__init__", "gazetteer_build")
    p.patch(Gazetteer, "find", "gazetteer")
    p.patch(ex, "find_institutions", "institutions")
    p.patch(institutions, "find_institutions", "institutions")  # the document's titles, headings, earlier text
    p.patch(descriptions, "find_institutions", "institutions")  # minting "l'agglomération" (_one_town)
    p.patch(Linker, "link", "linking")
    p.patch(Linker, "__init__", "linker_build")
    p.patch(ex, "ner_mentions", "ner_post")
    p.patch(ex, "assign_roles", "roles")
    p.patch(semantic.DefinitionIndex, "mentions", "semantic")
    # waiting for the embedding thread: in the semantic step (nlp), or for the index texts (embedding)
    p.patch(Prefetch, "take", lambda probes: "prefetch_wait" if probes.parent() == "semantic" else "prefetch_wait (index)")
    p.patch(semantic.DefinitionIndex, "build", "definitions", kind="classmethod")
    p.patch(Lexicon, "from_store", "lexicon", kind="classmethod")
    p.patch(Ingestor, "_wait_nlp", "spacy_wait")
    p.patch(documents, "stored_hash", "hash_lookup")
    p.patch(documents, "decisions", "decisions_lookup")
    p.patch(documents, "context", "shacl_context")
    p.patch(documents, "check", "shacl_check")  # for the CPU floor (ingest_ceiling.py); walls: report.timings
    p.patch(Ingestor, "_write", "store_write")
    p.patch(Ingestor, "update_index", "index_update")
    return p


# ================================================================================ measurement

from .serve_bench import percentile  # noqa: E402  (one percentile for every benchmark)


def _loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def _rss_peak() -> int:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    except Exception:  # noqa: BLE001
        return 0


def measure_run(settings, documents_dir: Path, *, echo: Echo = lambda m: None, spacy_reference: bool = True,
                ceiling_encoders: Sequence[str] = ()) -> dict:
    """One cold ingestion of every document of ``documents_dir`` into ``settings``' base, with the
    probes; then spaCy alone over the same texts, and with ``ceiling_encoders`` the ceiling of this
    machine (benchmarks/ingest_ceiling.py). Returns the raw measurements (see :func:`assemble`)."""
    from coopkg.ingesting import Ingestor
    from ingest.documents.readers import read_document
    from ingest.documents.segment import candidates

    probes = install_probes()
    try:
        ingestor = Ingestor(settings)
        per_doc: list[dict] = []
        original_one = ingestor._one

        def one(store, lexicon, prep, outcome, report, dry_run):
            before = probes.snapshot()
            t = time.perf_counter()
            try:
                return original_one(store, lexicon, prep, outcome, report, dry_run)
            finally:
                seconds = time.perf_counter() - t
                after = probes.snapshot()
                loads = sum(after.get(k, 0.0) - before.get(k, 0.0) for k in MODEL_LOAD_KEYS)
                per_doc.append({"path": Path(prep.path).name, "seconds": seconds, "model_load_seconds": loads})

        ingestor._one = one

        def progress(outcome, i: int, n: int) -> None:
            if outcome.status == "failed" or i == 1 or i % 10 == 0 or i == n:
                echo(f"    [{i}/{n}] {outcome.line()[:150]}")

        load_start = _loadavg()
        t, cpu = time.perf_counter(), time.process_time()
        report = ingestor.run([str(documents_dir)], progress=progress)
        total, run_cpu = time.perf_counter() - t, time.process_time() - cpu
        load_end = _loadavg()
    finally:
        probes.restore()
    stages = {k: round(v, 6) for k, v in report.timings.items()}
    outcomes = {o.path: o for o in report.outcomes}
    for d in per_doc:
        o = next((o for p, o in outcomes.items() if Path(p).name == d["path"]), None)
        if o is not None:
            d.update(status=o.status, words=o.words, cases=len(o.cases), asserted=o.asserted, suggested=o.suggested,
                     triples=o.triples, error=o.error)
    index = report.index
    index_info = None
    if index is not None:
        index_info = {k: v for k, v in vars(index).items() if isinstance(v, (int, float, bool, str))}

    # Words inside case candidates (the only text NER and the semantic step read).
    docs, texts, candidate_words, n_candidates = [], [], 0, 0
    for f in sorted(Path(documents_dir).iterdir()):
        doc = read_document(f)
        cands = candidates(doc)
        n_candidates += len(cands)
        spans = sorted((c.start, c.end) for c in cands)
        covered, last = 0, 0
        for s, e in spans:
            s = max(s, last)
            if e > s:
                covered += len(doc.text[s:e].split())
                last = e
        candidate_words += covered
        docs.append(doc)
        texts.append(doc.text)
    spacy_ref = None
    if spacy_reference:
        import ingest.documents.ner as ner

        nlp = ner.load_nlp()  # the same cached pipeline the run loaded (unwrapped now)
        words = sum(len(t.split()) for t in texts)
        t = time.perf_counter()
        for _ in nlp.pipe(texts):
            pass
        pipe_s = time.perf_counter() - t
        t, cpu = time.perf_counter(), time.process_time()
        for d in docs:
            for c in candidates(d):
                nlp(d.text[c.start:c.end])
        cand_s, cand_cpu = time.perf_counter() - t, time.process_time() - cpu
        spacy_ref = {"pipeline": list(nlp.pipe_names), "model": ner.DEFAULT_SPACY_MODEL, "texts": len(texts),
                     "words": words, "pipe_seconds": pipe_s, "pipe_words_per_s": words / pipe_s,
                     "candidate_calls_seconds": cand_s, "candidate_calls_cpu_seconds": cand_cpu,
                     "candidate_words": candidate_words,
                     "candidate_calls_words_per_s": candidate_words / cand_s if cand_s else None,
                     "note": "after the ingestion run, same process: warm pipeline"}
    ceiling = None
    if spacy_reference and ceiling_encoders:
        from . import ingest_ceiling

        encoders = {}
        for name in ceiling_encoders:
            echo(f"    ceiling: the run's {len(probes.passages)} passages embedded again with {name}, one thread")
            encoders[name] = ingest_ceiling.encoder_cpu(settings.embedding_model_ref, name, probes.passages)
        ceiling = ingest_ceiling.ceiling(words=report.words, cores=len(os.sched_getaffinity(0)), encoders=encoders,
                                         ner_cpu=spacy_ref["candidate_calls_cpu_seconds"],
                                         parts=ingest_ceiling.run_parts(probes.cpu), goal=GOAL_WORDS_PER_S)
        ceiling["encoders"] = encoders
    threads = None
    try:
        import torch

        threads = torch.get_num_threads()
    except Exception:  # noqa: BLE001
        pass
    return {
        "seconds": total, "run_cpu_seconds": run_cpu, "run_cores_busy": run_cpu / total if total else None,
        "report_seconds": report.seconds, "stages": stages, "probes": probes.snapshot(),
        "probes_cpu": dict(probes.cpu), "ceiling": ceiling,
        "probe_calls": dict(probes.calls), "per_document": per_doc, "index": index_info,
        "embedding_calls": embedding_calls(probes.embed_calls),
        "documents": len(report.outcomes), "failed": [o.error for o in report.failed],
        "statuses": dict(Counter(o.status for o in report.outcomes)), "words": report.words,
        "cases": sum(len(o.cases) for o in report.outcomes), "candidates": n_candidates,
        "candidate_words": candidate_words, "asserted": sum(o.asserted for o in report.outcomes),
        "suggested": sum(o.suggested for o in report.outcomes), "triples": sum(o.triples for o in report.outcomes),
        "spacy_reference": spacy_ref, "torch_threads": threads, "peak_rss_bytes": _rss_peak(),
        "load_average": {"start": load_start, "end": load_end},
        "embedding_model": settings.embedding_model_ref, "passage_encoder": settings.passage_encoder,
        "ingest_batch": settings.ingest_batch,
    }


def embedding_calls(calls: list[dict]) -> dict:
    """Calls of the embedder per stage (the probe that called it): texts, words, seconds, words/s
    (model loading, which happens inside the first call, excluded when recorded)."""
    out: dict[str, dict] = {}
    for c in calls:
        o = out.setdefault(c["stage"], {"calls": 0, "texts": 0, "words": 0, "seconds": 0.0})
        o["calls"] += 1
        o["texts"] += c["texts"]
        o["words"] += c["words"]
        o["seconds"] += c["seconds"]
    for o in out.values():
        o["words_per_s"] = o["words"] / o["seconds"] if o["seconds"] else None
    return out


# Rows of the stage table: (key, label, how it is computed from the measurements).
STAGE_ROWS = (
    ("parse", "parse (readers)"),
    ("segment", "segment (+ content-hash lookup)"),
    ("nlp", "NLP + linking (`nlp`)"),
    ("embedding", "embedding (definition index; texts sent to the embedding thread; last index texts)"),
    ("graph", "graph (+ review decisions lookup)"),
    ("shacl", "SHACL"),
    ("store", "store write"),
    ("index_update", "search index update"),
    ("other", "other (lexicon, store open, batch)"),
)
# How the `nlp` stage splits (probe keys; model loading is listed apart).
NLP_PARTS = (
    ("spacy_ner", "spaCy NER inference (`nlp(text)` per candidate)"),
    ("ner_post", "NER post-processing (filters)"),
    ("linking", "linking (normalised name, fuzzy)"),
    ("linker_build", "linker build (once)"),
    ("gazetteer", "gazetteer matching"),
    ("gazetteer_build", "gazetteer build (once)"),
    ("institutions", "institution rules"),
    ("roles", "roles"),
    ("semantic", "semantic scoring (numpy)"),
    ("embed (semantic)", "semantic: embedding the passages not embedded ahead (e5)"),
    ("prefetch_wait", "semantic: waiting for the passages embedded ahead"),
    ("extract (rest)", "rest of extract()"),
)


def _p(probes: dict, key: str) -> float:
    return float(probes.get(key, 0.0))


def split_stages(raw: dict) -> dict:
    """The time split of a measured run: stages (seconds, share of the total), model loading, and
    the sub-steps of `nlp` and of the index update."""
    pr, st, total = raw["probes"], raw["stages"], raw["seconds"]
    # spaCy loading on the main thread's path: loaded there, or the wait for its loading thread
    spacy_load, emb_load = _p(pr, "spacy_load") + _p(pr, "spacy_wait"), _p(pr, "embedder_load")
    index_s = _p(pr, "index_update") + _p(pr, "embed (index_update)")
    stage_s = {k: float(st.get(k, 0.0)) for k in ("parse", "segment", "nlp", "embedding", "graph", "shacl", "store")}
    stage_s["index_update"] = index_s
    stage_s["other"] = max(total - sum(stage_s.values()), 0.0)
    nlp_known = sum(_p(pr, k) for k, _ in NLP_PARTS) + spacy_load
    nlp_parts = {k: _p(pr, k) for k, _ in NLP_PARTS}
    nlp_parts["spacy_load"] = spacy_load
    nlp_parts["unattributed"] = stage_s["nlp"] - nlp_known
    embedding_parts = {"embedder_load": emb_load, "embed (definitions)": _p(pr, "embed (definitions)"),
                       "definitions (rest)": _p(pr, "definitions"),
                       "waiting for the index texts": _p(pr, "prefetch_wait (index)")}
    embedding_parts["unattributed"] = stage_s["embedding"] - sum(embedding_parts.values())
    index_parts = {"embed (index_update)": _p(pr, "embed (index_update)"), "rest": _p(pr, "index_update")}
    return {
        "stages": {k: {"seconds": v, "share": v / total if total else 0.0} for k, v in stage_s.items()},
        "model_load": {"spacy": spacy_load, "embedder": emb_load, "total": spacy_load + emb_load,
                       "spacy_on_its_thread": _p(pr, BACKGROUND + "spacy_load")},
        "background": {k.removeprefix(BACKGROUND): v for k, v in pr.items() if k.startswith(BACKGROUND)},
        "nlp_parts": nlp_parts, "embedding_parts": embedding_parts, "index_parts": index_parts,
        "other_parts": {"lexicon": _p(pr, "lexicon")},
        "stages_excluding_model_load": {
            k: v - (spacy_load if k == "nlp" else emb_load if k == "embedding" else 0.0) for k, v in stage_s.items()},
    }


def assemble(raw: dict, *, machine: dict, parameters: dict, generated: dict, preparation: dict,
             runs: list[dict] | None = None) -> dict:
    """The result document of one benchmark (``raw``: the run reported; ``runs``: every run's
    headline numbers when repeated)."""
    split = split_stages(raw)
    total, words, docs = raw["seconds"], raw["words"], raw["documents"]
    load = split["model_load"]["total"]
    warm = total - load
    lat = [d["seconds"] - d["model_load_seconds"] for d in raw["per_document"]]
    lat_raw = [d["seconds"] for d in raw["per_document"]]
    wps = words / total if total else 0.0
    wps_warm = words / warm if warm else 0.0
    throughput = {
        "words": words, "documents": docs, "seconds": total, "seconds_excluding_model_load": warm,
        "words_per_s": wps, "words_per_s_excluding_model_load": wps_warm,
        "documents_per_s": docs / total if total else 0.0,
        "documents_per_s_excluding_model_load": docs / warm if warm else 0.0,
        "per_document_ms": {
            "note": "Ingestor._one per document (extraction → SHACL; reading, segmentation and the embedding "
                    "of its passages start ahead, during the previous document), model loading subtracted; the "
                    "group store writes and the search index update are not in these latencies",
            "median": percentile(lat, 50) * 1000, "p95": percentile(lat, 95) * 1000, "max": max(lat) * 1000 if lat else None,
            "median_with_model_load": percentile(lat_raw, 50) * 1000, "p95_with_model_load": percentile(lat_raw, 95) * 1000,
            "first_document_with_model_load": lat_raw[0] * 1000 if lat_raw else None,
        },
    }
    goal = {"words_per_s": GOAL_WORDS_PER_S, "measured": wps, "measured_excluding_model_load": wps_warm,
            "met": wps >= GOAL_WORDS_PER_S, "met_excluding_model_load": wps_warm >= GOAL_WORDS_PER_S,
            "ratio": wps / GOAL_WORDS_PER_S, "ratio_excluding_model_load": wps_warm / GOAL_WORDS_PER_S}
    return {
        "benchmark": "ingest", "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine, "versions": versions(), "parameters": parameters, "documents": generated,
        "preparation": preparation, "throughput": throughput, "split": split, "goal": goal, "raw": raw,
        "runs": runs or [],
    }


def versions() -> dict:
    out = {}
    for pkg in ("spacy", "fr-core-news-md", "torch", "sentence-transformers", "pyoxigraph", "rdflib", "pyshacl",
                "python-docx", "selectolax", "rapidfuzz", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def describe_documents(docs: list[GeneratedDocument]) -> dict:
    from ingest.documents.readers import read_document

    words = [read_document(d.path).words for d in docs]
    return {"count": len(docs), "formats": dict(Counter(d.format for d in docs)),
            "cases_rendered": sum(len(d.cases) for d in docs), "distinct_cases": len({c for d in docs for c in d.cases}),
            "bytes": sum(d.path.stat().st_size for d in docs), "words": sum(words),
            "words_per_document": {"min": min(words), "median": percentile(words, 50), "max": max(words)}}


def save(result: dict, path: Path = RESULTS_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# ================================================================================ summary

START, END = "<!-- bench-ingest:start -->", "<!-- bench-ingest:end -->"
SECTION = f"""## Ingestion (`coopkg bench ingest`)

```sh
coopkg bench ingest                       # 60 generated documents, real model, one cold run
coopkg bench ingest --documents 120 --repeat 3
coopkg bench ingest --repeat 3 --compare-encoder onnx-int8   # also int8 passages, runs alternating
```

Documents: `benchmarks/ingest_bench.py` renders the curated cases of `corpus/cases` as French
documents in five styles (markdown handouts with label headings; seed-002-style `.txt` decks with
`→` arrows and TAB grids, two or three practices each; `Label : content` slides; HTML pages with a
grid table; DOCX notes), deterministically, under `benchmarks/work/ingest/` (git-ignored): the
case's summary, grid fields, actors (label or alternative label) with their roles in institutional
phrasing, instruments, governance, levers and concepts with their definitions, themes, territories,
period and source quote, plus a few generic sentences of lessons learnt. Base: `coopkg build` of
the repository corpus with the same model, copied fresh for each run. Measured: one
`Ingestor.run` over the whole folder (what `coopkg ingest DIR` does, search index update
included) in a child process pinned to cores {{0, 1}}, **cold**: spaCy and the embedding model
are loaded inside the run. Stage times are the ingestor's own (`IngestReport.timings`), split
further by probes the benchmark wraps around the functions of the path (no production code
changed); spaCy alone is `nlp.pipe` over the same document texts, in the same process after the run.
Then the *ceiling* of the machine (`benchmarks/ingest_ceiling.py`, `--no-ceiling` to skip it): the CPU
time of the work no arrangement of the code avoids (the run's passages embedded again, one window at
a time on one thread, with `onnx-fp32` and with `onnx-int8`; spaCy's NER over the candidates; the
CPU time of the threads that loaded the models, ran SHACL and wrote the store), spread perfectly over
the cores with every other step free: no ingestion keeping these parts beats it on this machine.
Results: `benchmarks/results/ingest.json`.

{START}
{END}
"""


def _s(x: float) -> str:
    return f"{x:,.2f}" if x < 100 else f"{x:,.1f}"


def render_summary(r: dict) -> str:
    m, v, t, g, sp = r["machine"], r["versions"], r["throughput"], r["goal"], r["split"]
    raw, docs = r["raw"], r["documents"]
    la = raw.get("load_average", {})
    lines = [
        f"Last run: {r['date'][:10]}, commit {m['commit']}, {m['cpu']}, {m['cores_used']} cores used of "
        f"{m['cpu_count']}, Python {m['python']}, spaCy {v['spacy']} (`fr_core_news_md` {v['fr-core-news-md']}, NER "
        f"only), torch {v['torch']} ({raw.get('torch_threads')} threads), sentence-transformers "
        f"{v['sentence-transformers']}, model `{Path(r['parameters']['model']).name}`"
        + (f" (passages embedded with `{raw['passage_encoder']}`)" if raw.get("passage_encoder") else "")
        + (f", documents written {raw['ingest_batch']} per store transaction" if raw.get("ingest_batch") else "")
        + ". Load average (1 / 5 / 15 min) "
        f"at start {' / '.join(map(str, la.get('start', [])))}, at end {' / '.join(map(str, la.get('end', [])))}"
        + (f"; sampled every {raw['load_during']['every_s']:.0f} s during the run: mean {raw['load_during']['mean']}, "
           f"max {raw['load_during']['max']}" if (raw.get("load_during") or {}).get("samples") else "")
        + (f"; the run used {raw['run_cores_busy']:.2f} cores on average (the process's CPU time / wall time)"
           if raw.get("run_cores_busy") else
           f"; the measured process used {raw['process_cores_busy']:.2f} cores on average (CPU time / wall time)"
           if raw.get("process_cores_busy") else "")
        + (f"; {r['parameters']['contention']}" if r["parameters"].get("contention") else "") + "."
        + (f" Measured with uncommitted changes to {', '.join(f'`{x}`' for x in r['parameters']['uncommitted_changes'])}."
           if r["parameters"].get("uncommitted_changes") else ""),
        "",
        f"Input: {docs['count']} documents ({', '.join(f'{k} {n}' for k, n in sorted(docs['formats'].items()))}), "
        f"{docs['words']:,} words (per document {docs['words_per_document']['min']:,}–"
        f"{docs['words_per_document']['max']:,}, median {docs['words_per_document']['median']:,.0f}), "
        f"{raw['candidates']} case candidates covering {raw['candidate_words']:,} words "
        f"({raw['candidate_words'] / max(docs['words'], 1):.0%}). Result: {raw['documents'] - len(raw['failed'])} "
        f"documents ingested ({t['words']:,} words: the words/s below count these only, the time includes the "
        f"failed ones), {raw['cases']} extracted cases, {raw['asserted']:,} statements asserted, "
        f"{raw['suggested']:,} suggestions, {raw['triples']:,} triples; {len(raw['failed'])} failed"
        + (f" ({'; '.join(sorted({f.split(': ', 1)[-1][:90] for f in raw['failed']}))})" if raw["failed"] else "")
        + ".",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| end to end, model loading included | {t['seconds']:.1f} s, **{t['words_per_s']:,.0f} words/s**, "
        f"{t['documents_per_s']:.2f} documents/s |",
        f"| end to end, model loading excluded | {t['seconds_excluding_model_load']:.1f} s, "
        f"**{t['words_per_s_excluding_model_load']:,.0f} words/s**, {t['documents_per_s_excluding_model_load']:.2f} documents/s |",
        f"| model loading (spaCy / embedding model) | {sp['model_load']['total']:.1f} s "
        f"({sp['model_load']['spacy']:.1f} / {sp['model_load']['embedder']:.1f}) |",
        f"| per-document latency median / p95 (extraction → SHACL, loading excluded) | "
        f"{t['per_document_ms']['median']:,.0f} / {t['per_document_ms']['p95']:,.0f} ms |",
    ]
    ref = raw.get("spacy_reference")
    if ref:
        lines.append(f"| spaCy alone, `nlp.pipe` over the document texts (warm) | {ref['pipe_words_per_s']:,.0f} words/s "
                     f"({ref['words']:,} words in {ref['pipe_seconds']:.1f} s); one call per candidate: "
                     f"{ref['candidate_calls_words_per_s']:,.0f} words/s |")
    lines += ["", "Time per stage (the `nlp` and `embedding` rows include the model loading):", "",
              "| stage | s | % | s without model loading |", "|---|---:|---:|---:|"]
    for key, label in STAGE_ROWS:
        s = sp["stages"][key]
        lines.append(f"| {label} | {_s(s['seconds'])} | {s['share']:.1%} | {_s(sp['stages_excluding_model_load'][key])} |")
    lines.append(f"| **total** | {_s(t['seconds'])} | 100% | {_s(t['seconds_excluding_model_load'])} |")
    lines += ["", "`nlp` split (probes; exclusive times):", "", "| part | s | % of total |", "|---|---:|---:|"]
    parts = dict(sp["nlp_parts"])
    labels = dict(NLP_PARTS) | {"spacy_load": "spaCy model loading (main thread: the wait for its loading thread)",
                                "unattributed": "unattributed (`nlp` lap minus the probes)"}
    for key, value in sorted(parts.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {labels.get(key, key)} | {_s(value)} | {value / t['seconds']:.1%} |")
    ep, ip = sp["embedding_parts"], sp["index_parts"]
    lines += ["", f"`embedding`: model loading {ep['embedder_load']:.2f} s, definitions embedded "
                  f"{ep['embed (definitions)']:.2f} s, waiting for the index texts embedded ahead "
                  f"{ep['waiting for the index texts']:.2f} s, rest {ep['definitions (rest)'] + ep['unattributed']:.2f} s. "
                  f"Index update: embedding the new passages {ip['embed (index_update)']:.2f} s, "
                  f"rest (passages query, lexical and vector index rebuild, save) {ip['rest']:.2f} s."]
    calls = raw.get("embedding_calls") or {}
    if calls:
        lines += ["", "Embedding model calls inside the run (loading excluded): " + "; ".join(
            f"{stage} {c['calls']} calls, {c['texts']:,} texts, {c['words']:,} words in {c['seconds']:.1f} s "
            f"({c['words_per_s'] or 0:,.0f} words/s)" for stage, c in calls.items()) + "."]
    background = sp.get("background") or {}
    if background:
        lines += ["", "On other threads, overlapping the stages above (not in their sum): " + "; ".join(
            f"{k} {v:.1f} s" for k, v in sorted(background.items(), key=lambda kv: -kv[1])) +
            " (`embed (ahead)`: the embedding thread, coopkg/prefetch.py; `spacy_load`: spaCy loaded on its "
            "own thread from the start of the run)."]
    if len(r.get("runs") or []) > 1:
        lines += ["", "Runs: " + "; ".join(f"{x['seconds']:.1f} s ({x['words_per_s']:,.0f} words/s, "
                                             f"{x['words_per_s_excluding_model_load']:,.0f} without loading)"
                                             for x in r["runs"]) + "; the table shows the median run (for an even count, the faster of the two middle runs)."]
    cmp = r.get("comparison")
    if cmp:
        med = cmp["median"]
        thread = (f"; the embedding thread worked {med['embedding_thread_seconds']:.1f} s "
                  f"(vs {med['reference_embedding_thread_seconds']:.1f} s)"
                  if med.get("embedding_thread_seconds") and med.get("reference_embedding_thread_seconds") else "")
        lines += ["", f"Same benchmark, passages embedded with `{cmp['passage_encoder']}` (its own base; its runs "
                      "alternate with the runs above): " + "; ".join(
                          f"{x['seconds']:.1f} s ({x['words_per_s']:,.0f} words/s)" for x in cmp["runs"])
                  + f"; median **{med['words_per_s']:,.0f} words/s** ({med['words_per_s_excluding_model_load']:,.0f} "
                    f"without loading), {cmp['speedup']:.2f}× the runs above ({cmp['speedup_excluding_model_load']:.2f}× "
                    f"without loading){thread}."]
    verdict = ("**met**" if g["met"] else
               f"**missed**: {g['measured']:,.0f} words/s, {g['ratio']:.2f}× the goal "
               f"({GOAL_WORDS_PER_S / max(g['measured'], 1e-9):.1f}× too slow)")
    verdict_warm = ("met" if g["met_excluding_model_load"] else
                    f"missed too: {g['measured_excluding_model_load']:,.0f} words/s, "
                    f"{g['ratio_excluding_model_load']:.2f}× the goal")
    lines += ["", f"Goal: ≥ {GOAL_WORDS_PER_S:,.0f} words/s end to end on 2 cores: {verdict}; "
                  f"without model loading: {verdict_warm}."]
    if raw.get("ceiling"):
        from .ingest_ceiling import render

        lines += [""] + render(raw["ceiling"])
    return "\n".join(lines)


def write_docs(result: dict | None = None, path: Path = DOCS_FILE) -> Path:
    """Insert or refresh the summary between the Ingestion section's markers (the section is
    appended when absent; nothing outside the markers is touched)."""
    result = result or json.loads(RESULTS_FILE.read_text(encoding="utf-8"))
    from .docs_block import write_block

    return write_block(path, START, END, render_summary(result), missing=SECTION)


# ================================================================================ orchestration

def default_model() -> str:
    from coopkg.settings import load_settings

    ref = Path(load_settings().embedding_model_ref)
    return str(ref if ref.is_absolute() else (ROOT / ref).resolve())


def _encoder_env(encoder: str | None) -> dict:
    return {"COOPKG_PASSAGE_ENCODER": encoder} if encoder else {}


def prepare_template(model: str, reuse: bool, echo: Echo, encoder: str | None = None) -> tuple[Path, dict]:
    """`coopkg build` of the repository corpus (SHACL on, search index with ``model``) into
    benchmarks/work/ingest/template (``template-<encoder>`` for a compared passage encoder); the
    embedding cache is seeded from data/cache. A base reused must have the index model id of the
    run (``COOPKG_PASSAGE_ENCODER=onnx-int8`` changes it), or the run's index update would rebuild
    the whole index."""
    from coopkg.settings import load_settings
    from search.embedder import embedder_from_settings, make_embedder

    overrides = {"passage_encoder": encoder} if encoder else {}
    model_id = embedder_from_settings(load_settings(embedding_model=model, **overrides)).model_id
    home = WORK_DIR / (f"template-{encoder}" if encoder else "template")
    info = home / "bench-build.json"
    if reuse and info.exists():
        data = json.loads(info.read_text(encoding="utf-8"))
        built = data.get("model_id") or make_embedder(model).model_id  # (bases of before: fp32 passages)
        if data.get("model") == model and built == model_id:
            echo(f"reusing the base in {home.relative_to(ROOT)}")
            return home, data
    shutil.rmtree(home, ignore_errors=True)
    (home / "cache").mkdir(parents=True)
    seeded = ROOT / "data" / "cache" / "embeddings.sqlite"
    if seeded.exists():
        shutil.copyfile(seeded, home / "cache" / "embeddings.sqlite")
    env = {**os.environ, "COOPKG_HOME": str(home), "COOPKG_CORPUS_DIR": str(CORPUS_DIR), "COOPKG_EMBEDDING_MODEL": model,
           **_encoder_env(encoder)}
    echo(f"coopkg build into {home.relative_to(ROOT)} (model {model})")
    t = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "coopkg"), "build", "--quiet"], cwd=ROOT, check=True, env=env)
    data = {"seconds": time.perf_counter() - t, "model": model, "model_id": model_id,
            "embedding_cache_seeded": seeded.exists(),
            "how": "coopkg build of corpus/ (SHACL on, search index), copied to a fresh home per run"}
    info.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return home, data


def prepare_passage_encoder(model: str, echo: Echo, encoder: str | None = None) -> dict:
    """The ONNX export the run embeds passages with (``COOPKG_PASSAGE_ENCODER=onnx-fp32``, the
    default: the fp32 one; ``onnx-int8``: the int8 query encoder's), written next to the model
    before the timed run when missing or stale, as ``coopkg model prepare`` writes it: a one-time
    setup cost, not an ingestion cost."""
    from coopkg.settings import load_settings
    from search.embedder import make_embedder

    encoder = encoder or load_settings().passage_encoder
    if encoder == "torch" or model.startswith("hashing"):
        return {"passage_encoder": encoder}
    t = time.perf_counter()
    embedder = make_embedder(model, passage_encoder=encoder)
    embedder.passage_onnx_encoder()
    seconds = time.perf_counter() - t
    if embedder.onnx_exported:
        echo(f"exported the ONNX {encoder.removeprefix('onnx-')} passage encoder next to {model} in {seconds:.1f} s")
    return {"passage_encoder": encoder, "passage_encoder_exported": embedder.onnx_exported,
            "passage_encoder_seconds": seconds}


def uncommitted_changes() -> list[str]:
    """Files of the measured code path that differ from the commit recorded in the results."""
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--", "coopkg", "ingest", "kb", "search", "ontology"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return sorted(line[3:] for line in out.splitlines() if line.strip())


def fresh_home(template: Path, dest: Path) -> Path:
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(template, dest, symlinks=True)
    return dest


class LoadSampler:
    """Samples the 1-minute load average every ``every`` seconds in a thread (contention record)."""

    def __init__(self, every: float = 5.0):
        import threading

        self.every, self.samples = every, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while True:
            la = _loadavg()
            if la:
                self.samples.append(la[0])
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> "LoadSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict:
        x = self.samples
        return {"samples": len(x), "every_s": self.every, "mean": round(sum(x) / len(x), 2) if x else None,
                "max": max(x) if x else None}


def _child(home: Path, documents: Path, model: str, out: Path, spacy_reference: bool,
           encoder: str | None = None, ceiling: bool = False) -> dict:
    import resource

    cmd = [sys.executable, "-m", "benchmarks.ingest_bench", "child", str(home), str(documents), str(out),
           "--model", model] + ([] if spacy_reference else ["--no-spacy-reference"]) + (["--ceiling"] if ceiling else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    with LoadSampler() as sampler:
        subprocess.run(cmd, cwd=ROOT, check=True,
                       env={**os.environ, "COOPKG_EMBEDDING_MODEL": model, **_encoder_env(encoder)})
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    raw = json.loads(out.read_text(encoding="utf-8"))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    raw.update(process_seconds=wall, process_cpu_seconds=cpu, process_cores_busy=cpu / wall if wall else None,
               load_during=sampler.summary())
    out.unlink()
    return raw


def _headline(raw: dict) -> dict:
    warm = raw["seconds"] - split_stages(raw)["model_load"]["total"]
    return {"seconds": raw["seconds"], "words_per_s": raw["words"] / raw["seconds"],
            "words_per_s_excluding_model_load": raw["words"] / warm, "load_average": raw["load_average"]}


def _median_run(runs: list[dict]) -> dict:
    """The median run (for an even count, the faster of the two middle runs)."""
    ordered = sorted(runs, key=lambda x: x["seconds"])
    return ordered[(len(ordered) - 1) // 2]


def comparison(runs: list[dict], reference: list[dict], encoder: str) -> dict:
    """The runs of a compared passage encoder against the reference runs of the same benchmark."""
    median, ref = _median_run(runs), _median_run(reference)
    head, ref_head = _headline(median), _headline(ref)
    background = split_stages(median).get("background") or {}
    ref_background = split_stages(ref).get("background") or {}
    return {"passage_encoder": encoder, "runs": [_headline(r) for r in runs],
            "median": {**head, "embedding_thread_seconds": background.get("embed (ahead)"),
                       "reference_embedding_thread_seconds": ref_background.get("embed (ahead)")},
            "speedup": head["words_per_s"] / ref_head["words_per_s"],
            "speedup_excluding_model_load": head["words_per_s_excluding_model_load"]
            / ref_head["words_per_s_excluding_model_load"]}


def run_benchmark(*, documents: int, repeat: int, model: str, work: Path, seed: int, reuse: bool,
                  spacy_reference: bool, contention: str | None, echo: Echo, compare: str | None = None,
                  ceiling: bool = True) -> dict:
    from .build_bench import machine_info, pin_cores

    cores = pin_cores()
    echo(f"pinned to {cores} core(s)")
    machine = machine_info(cores)
    work = Path(work)
    docs_dir = work / "documents"
    echo(f"generating {documents} documents in {docs_dir}")
    generated = generate_documents(docs_dir, documents, seed)
    described = describe_documents(generated)
    echo(f"  {described['words']:,} words, formats {described['formats']}")
    template, prep = prepare_template(model, reuse, echo)
    prep = {**prep, **prepare_passage_encoder(model, echo)}
    other = None
    if compare:
        other, _ = prepare_template(model, reuse, echo, compare)
        prep["compared"] = prepare_passage_encoder(model, echo, compare)
    runs, compared = [], []
    for i in range(repeat):
        # with a compared encoder, its runs alternate with the reference ones (drift hits both alike)
        for encoder, base, into in ((None, template, runs), (compare, other, compared)):
            if base is None:
                continue
            home = fresh_home(template if encoder is None else base, work / "home")
            echo(f"run {i + 1}/{repeat}{f' ({encoder})' if encoder else ''}: cold ingestion "
                 "(child process, fresh copy of the base)")
            raw = _child(home, docs_dir, model, work / "run.json", spacy_reference and encoder is None, encoder,
                         ceiling=ceiling and spacy_reference and encoder is None)
            total, words = raw["seconds"], raw["words"]
            split = split_stages(raw)
            warm = total - split["model_load"]["total"]
            echo(f"  {raw['documents']} documents, {words:,} words in {total:.1f} s: {words / total:,.0f} words/s "
                 f"({words / warm:,.0f} without model loading); " + ", ".join(
                     f"{k} {v['seconds']:.1f}" for k, v in split["stages"].items()))
            into.append(raw)
            shutil.rmtree(home, ignore_errors=True)
    parameters = {"documents": documents, "repeat": repeat, "seed": seed, "model": model, "cores": cores,
                  "contention": contention, "uncommitted_changes": uncommitted_changes(), "compare": compare}
    result = assemble(_median_run(runs), machine=machine, parameters=parameters, generated=described,
                      preparation=prep, runs=[_headline(r) for r in runs])
    if compare:
        result["comparison"] = comparison(compared, runs, compare)
    return result


@click.command("ingest")
@click.option("--documents", "n_documents", default=60, show_default=True, type=click.IntRange(1),
              help="Number of generated documents.")
@click.option("--repeat", default=1, show_default=True, type=click.IntRange(1),
              help="Cold runs (each on a fresh copy of the base); the summary shows the median run.")
@click.option("--model", default=None, help="Embedding model folder (default: the configured one, multilingual-e5-small).")
@click.option("--work", type=click.Path(file_okay=False, path_type=Path), default=WORK_DIR, show_default=True,
              help="Working folder (documents, homes).")
@click.option("--seed", default=0, show_default=True, help="Seed of the document generator.")
@click.option("--reuse", is_flag=True, help="Reuse the base already built under benchmarks/work/ingest/template.")
@click.option("--spacy-reference/--no-spacy-reference", default=True, show_default=True,
              help="Also time spaCy alone (nlp.pipe over the same texts) after the run.")
@click.option("--ceiling/--no-ceiling", default=True, show_default=True,
              help="After each run, measure the ceiling of this machine: the CPU time of the work no arrangement "
                   "avoids (passages embedded again with onnx-fp32 and onnx-int8, spaCy, loading, SHACL, store), "
                   "spread over the cores (needs --spacy-reference).")
@click.option("--contention", default=None,
              help="Free text recorded in the results and the summary about other work running on the machine.")
@click.option("--docs/--no-docs", "update_docs", default=True, show_default=True,
              help="Write the summary into docs/benchmarks.md.")
@click.option("--compare-encoder", "compare", type=click.Choice(["onnx-fp32", "onnx-int8", "torch"]), default=None,
              help="Also run with this COOPKG_PASSAGE_ENCODER (on its own base), alternating with the runs of the "
                   "configured one, and report both.")
def ingest_cmd(n_documents: int, repeat: int, model: str | None, work: Path, seed: int, reuse: bool,
               spacy_reference: bool, ceiling: bool, contention: str | None, update_docs: bool,
               compare: str | None) -> None:
    """Ingestion throughput (words/s end to end, cold, 2 cores), time per stage, per-document latency."""
    def echo(message: str) -> None:
        click.echo(message, err=True)

    model = model or default_model()
    result = run_benchmark(documents=n_documents, repeat=repeat, model=model, work=work, seed=seed, reuse=reuse,
                           spacy_reference=spacy_reference, contention=contention, echo=echo, compare=compare,
                           ceiling=ceiling)
    echo(f"results: {save(result)}")
    if update_docs:
        echo(f"summary: {write_docs(result)}")
    g = result["goal"]
    echo(f"goal ≥ {GOAL_WORDS_PER_S:,.0f} words/s: {'met' if g['met'] else 'missed'} "
         f"({g['measured']:,.0f} words/s; {g['measured_excluding_model_load']:,.0f} without model loading)")


# ================================================================================ child

def _child_main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest_bench child")
    parser.add_argument("home")
    parser.add_argument("documents")
    parser.add_argument("out")
    parser.add_argument("--model", required=True)
    parser.add_argument("--no-spacy-reference", action="store_true")
    parser.add_argument("--ceiling", action="store_true")
    args = parser.parse_args(argv)
    from coopkg.settings import load_settings

    from . import ingest_ceiling
    from .build_bench import pin_cores

    pin_cores()
    settings = load_settings(home=Path(args.home), corpus_dir=CORPUS_DIR, embedding_model=args.model)
    raw = measure_run(settings, Path(args.documents), echo=lambda m: print(m, file=sys.stderr, flush=True),
                      spacy_reference=not args.no_spacy_reference,
                      ceiling_encoders=ingest_ceiling.ENCODERS if args.ceiling else ())
    Path(args.out).write_text(json.dumps(raw, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        _child_main(sys.argv[2:])
    else:
        ingest_cmd()
