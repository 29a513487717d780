"""Deterministic synthetic corpus in the real format (docs/corpus.md), for benchmarks only.

``generate_corpus(dest, n_cases, seed)`` copies the real vocabularies, sources, shared actors and
French territories from the repository corpus, then writes generated territories, actors and
``n_cases`` case files whose French text is assembled from word lists. The same seed and size
always give byte-identical files. The result passes ``ingest.corpus.load_corpus``.
"""
from __future__ import annotations

import random
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from ontology.iris import slugify
from ontology.model import ontology_index

REPO_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
WORK_DIR = Path(__file__).resolve().parent / "work"
MARKER = ".coopkg-bench-corpus"  # only directories carrying it are ever deleted and rewritten
ENTRIES_PER_FILE = 2000

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# -- word lists -------------------------------------------------------------------------------
ROOTS = ["Beau", "Belle", "Clair", "Roche", "Fonte", "Mont", "Ville", "Cham", "Bois", "Lan", "Mar",
         "Haute", "Grand", "Val", "Pierre", "Sau", "Cour", "Ver", "Font", "Mais", "Cler", "Riv",
         "Mor", "Bel", "Aube", "Cha", "Lor", "Sen", "Tour", "Bour"]
ENDINGS = ["mont", "ville", "court", "bourg", "ac", "y", "ière", "ange", "fort", "val", "champ",
           "lieu", "ignac", "ay", "euil"]
RIVERS = ["", "", "", "", "-sur-Loire", "-sur-Saône", "-en-Bresse", "-sur-Lot", "-le-Château",
          "-les-Bains", "-sur-Mer", "-en-Forez", "-sur-Dordogne", "-la-Forêt", "-en-Vexin"]
AREA_PREFIXES = ["", "", "Pays de ", "Val de ", "Plateau de ", "Bassin de ", "Vallée de ",
                 "Coteaux de ", "Monts de ", "Terres de "]
ORG_NAMES = ["Terres partagées", "Énergies citoyennes", "Jardins solidaires", "Horizon rural",
             "Tiers-lieu des possibles", "Mobilités douces", "Relais emploi", "Maison de l'habitat",
             "Fabrique des transitions", "Réseau des savoirs", "Bocage vivant", "Circuits courts"]
NAMED_TYPES = {"association", "structure-ess", "collectif-citoyen", "entreprise", "acteur-economique",
               "societe-civile", "recherche-formation", "reseau-ressources"}
GOVERNANCE = [("Comité de pilotage", "pilotage"), ("Comité technique", "suivi technique"),
              ("Conférence des maires", "concertation"), ("Bureau élargi", "arbitrage"),
              ("Conseil de coopération", "orientation stratégique"), ("Groupe projet", "animation"),
              ("Assemblée des partenaires", "évaluation")]
COMPOSITIONS = ["les présidents des intercommunalités signataires", "un élu et un technicien par partenaire",
                "les maires et les directeurs généraux des services", "les partenaires financeurs et les associations",
                "des représentants du conseil de développement"]
SECTIONS = ["Présentation de la démarche", "Les outils de la coopération", "Retours d'expérience",
            "Gouvernance et pilotage", "Enjeux et perspectives", "Les leviers de la coopération",
            "Synthèse des enquêtes", "Exemples de territoires"]
VERBS = ["ont engagé", "ont formalisé", "ont construit", "conduisent", "animent", "ont structuré"]
GOALS = ["mieux articuler leurs politiques", "partager une ingénierie commune", "mutualiser des équipements",
         "porter des projets à une échelle pertinente", "réduire les déséquilibres entre ville et campagne",
         "coordonner leurs interventions", "créer une culture commune entre élus et techniciens"]
ACTIONS = ["un diagnostic partagé", "des ateliers d'élus", "un programme d'actions pluriannuel",
           "des groupes de travail thématiques", "une plateforme d'échange de données",
           "des visites de terrain croisées", "un fonds commun d'études", "des séminaires annuels"]
RESULTS = ["Les partenaires soulignent une meilleure connaissance mutuelle",
           "La démarche a permis de dépasser les logiques de guichet",
           "Les élus décrivent une confiance qui s'est construite pas à pas",
           "Le dispositif a été reconduit après une première évaluation",
           "Des difficultés de financement ont ralenti la mise en œuvre",
           "Les techniciens jouent un rôle clé dans la continuité du projet"]
TRIGGERS = ["Une fermeture de service public qui touchait plusieurs communes",
            "La fin d'un programme européen qui finançait l'animation",
            "Un diagnostic révélant des flux quotidiens entre les territoires",
            "La volonté d'élus nouvellement installés de travailler ensemble",
            "Une crise de la ressource en eau sur le bassin"]
STAKES = ["Maintenir des services de proximité", "Organiser la complémentarité entre pôles urbains et ruraux",
          "Accompagner la transition énergétique", "Préserver le foncier agricole", "Sécuriser l'emploi local"]
AMBITIONS = ["Construire une stratégie commune à dix ans", "Faire émerger des projets portés à plusieurs",
             "Associer les habitants aux décisions", "Partager les coûts et les bénéfices des équipements"]
OBJECTS = ["Mise en commun d'un poste de chargé de mission", "Échange de données et d'études",
           "Programme d'actions sur les circuits courts", "Coordination des calendriers de projets",
           "Organisation d'un réseau de tiers-lieux"]


@dataclass
class GeneratedCorpus:
    root: Path
    cases: int
    actors: int
    territories: int
    sample_title: str  # the title of one case, for label-lookup queries


def _de(name: str) -> str:
    """French « de » with elision and contraction: de Beaumont, d'Aubeville, du Pays de …"""
    for article, contracted in (("Le ", "du "), ("Les ", "des "), ("Pays ", "du Pays "), ("Val ", "du Val "),
                                ("Plateau ", "du Plateau "), ("Bassin ", "du Bassin "), ("Monts ", "des Monts "),
                                ("Coteaux ", "des Coteaux "), ("Terres ", "des Terres "), ("Vallée ", "de la Vallée ")):
        if name.startswith(article):
            return contracted + name[len(article):]
    return ("d'" if name[0] in "AEIOUÉÈHaeiouéh" else "de ") + name


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _place(rng: random.Random) -> str:
    return rng.choice(ROOTS) + rng.choice(ENDINGS) + rng.choice(RIVERS)


def _unique_id(label: str, seen: set[str]) -> str:
    base = slugify(label, 50)
    ident, k = base, 1
    while ident in seen:
        k += 1
        ident = f"{base}-{k}"
    seen.add(ident)
    return ident


def _read_list(path: Path) -> list[dict]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or []


def _dump(data, flow: bool | None = None) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096, default_flow_style=flow)


def _write_chunks(folder: Path, stem: str, header: str, entries: list[dict]) -> None:
    for k in range(0, len(entries), ENTRIES_PER_FILE):
        chunk = entries[k:k + ENTRIES_PER_FILE]
        text = "".join(f"- {_dump(entry, flow=True).strip()}\n" for entry in chunk)
        (folder / f"{stem}-{k // ENTRIES_PER_FILE + 1:03d}.yaml").write_text(f"# {header}\n{text}", encoding="utf-8")


def generate_corpus(dest: Path, n_cases: int, seed: int = 0, *,
                    progress: Callable[[int, int], None] | None = None) -> GeneratedCorpus:
    """Write a synthetic corpus of ``n_cases`` cases into ``dest`` (replaced if it was generated)."""
    dest = Path(dest)
    if dest.exists():
        if not (dest / MARKER).exists():
            raise FileExistsError(f"{dest} exists and is not a generated corpus; refusing to overwrite it")
        shutil.rmtree(dest)
    for folder in ("actors", "territories", "cases"):
        (dest / folder).mkdir(parents=True)
    shutil.copytree(REPO_CORPUS / "vocab", dest / "vocab")
    for rel in ("sources.yaml", "actors/common.yaml", "territories/france.yaml"):
        shutil.copyfile(REPO_CORPUS / rel, dest / rel)
    (dest / MARKER).write_text(f"n_cases={n_cases} seed={seed}\n", encoding="utf-8")

    vocab = {name: _read_list(dest / "vocab" / f"{name}.yaml")
             for name in ("themes", "roles", "concepts", "levels", "scales", "territory_types")}
    levers = yaml.safe_load((dest / "vocab" / "levers.yaml").read_text(encoding="utf-8"))["levers"]
    sources = [s["id"] for s in _read_list(dest / "sources.yaml")]
    common_actors = [{"id": a["id"], "label": a["label"]} for a in _read_list(dest / "actors" / "common.yaml")]
    departements = [(t["id"], t["region"]) for t in _read_list(dest / "territories" / "france.yaml")
                    if "departement" in t["types"]]
    onto = ontology_index()
    instrument_types = [t for slug, t in onto.instrument_types.items() if slug != "instrument"]
    actor_types = [slug for slug in onto.actor_types if slug not in ("acteur", "etat")]
    area_types = [t["id"] for t in vocab["territory_types"] if t["id"] not in ("region", "departement", "etranger")]
    rng = random.Random(f"coopkg-bench:{seed}")

    # Territories, then actors located in them (shared by many cases, as in the real corpus).
    seen: set[str] = {t["id"] for t in _read_list(dest / "territories" / "france.yaml")}
    territories: list[dict] = []
    for _ in range(max(40, n_cases // 4)):
        label = rng.choice(AREA_PREFIXES) + _place(rng)
        dep, region = rng.choice(departements)
        entry = {"id": _unique_id(label, seen), "label": label, "types": rng.sample(area_types, rng.randint(1, 2)),
                 "departement": dep, "region": region}
        territories.append(entry)
    _write_chunks(dest / "territories", "generated", "Generated territories (benchmarks/generator.py).", territories)

    seen = {a["id"] for a in common_actors}
    actors: list[dict] = []
    for _ in range(max(60, n_cases // 2)):
        slug = rng.choice(actor_types)
        where = rng.choice(territories)
        kind = _cap(onto.actor_types[slug].label)
        label = (f"{kind} {rng.choice(ORG_NAMES)} {_de(where['label'])}" if slug in NAMED_TYPES
                 else f"{kind} {_de(where['label'])}")
        entry = {"id": _unique_id(label, seen), "label": label, "types": [slug], "territory": where["id"]}
        if rng.random() < 0.3:
            entry["alt_labels"] = ["".join(w[0] for w in label.replace("'", " ").split() if w[0].isupper())
                                   + " " + where["label"]]
        actors.append(entry)
    _write_chunks(dest / "actors", "generated", "Generated actors (benchmarks/generator.py).", actors)
    places = {t["id"]: t["label"] for t in territories}

    # Cases: one random stream per case, so case i does not depend on how cases are written.
    sample_title = ""
    case_ids: list[str] = []
    for i in range(n_cases):
        r = random.Random(f"coopkg-bench:{seed}:case:{i}")
        members = r.sample(actors, r.randint(2, 6))
        if r.random() < 0.3:
            members = members[:-1] + [r.choice(common_actors)]
        insts = r.sample(instrument_types, r.randint(1, 3))
        themes = r.sample(vocab["themes"], r.randint(1, 4))
        lever_ids = sorted(r.sample([lv["id"] for lv in levers], r.randint(1, 4)), key=lambda x: int(x[1:]))
        place_ids = list(dict.fromkeys(a["territory"] for a in members if a.get("territory")))
        a, b = members[0]["label"], members[1]["label"]
        title = f"{_cap(insts[0].label)} entre {a} et {b}"[:300]
        case_id = f"{slugify(title, 50)}-{i + 1:06d}"
        case_ids.append(case_id)
        where = places[place_ids[0]] if place_ids else "France"
        start = r.randint(1995, 2024)
        period: dict = {"start": start}
        if r.random() < 0.5:
            period["end"] = min(2030, start + r.randint(1, 8))
        front: dict = {
            "id": case_id,
            "title": title,
            "alt_labels": [f"{_cap(insts[0].label)} {_de(where)}"] if r.random() < 0.5 else [],
            "territories": place_ids or ["france"],
            "actors": [{"actor": m["id"], "roles": sorted(x["id"] for x in r.sample(vocab["roles"], r.randint(1, 2)))}
                       for m in members],
            "instruments": [{"type": t.slug, "label": f"{_cap(t.label)} {_de(where)}"} for t in insts],
            "levers": lever_ids,
            "concepts": [c["id"] for c in r.sample(vocab["concepts"], r.randint(0, 3))],
            "themes": [t["id"] for t in themes],
            "level": r.choice(vocab["levels"])["id"],
            "scale": r.choice(vocab["scales"])["id"],
            "period": period,
        }
        if r.random() < 0.7:
            front["grid"] = {
                "triggers": r.sample(TRIGGERS, r.randint(1, 2)),
                "partners_scale": f"{len(members)} partenaires autour {_de(where)}.",
                "stakes": r.sample(STAKES, r.randint(1, 2)),
                "ambitions": r.sample(AMBITIONS, r.randint(1, 2)),
                "object": r.sample(OBJECTS, r.randint(1, 3)),
                "governance": [{"name": name, "function": function, "composition": r.choice(COMPOSITIONS)}
                               for name, function in r.sample(GOVERNANCE, r.randint(0, 3))],
            }
        if i > 0 and r.random() < 0.15:
            front["related"] = sorted({case_ids[r.randrange(i)] for _ in range(r.randint(1, 2))})
        front["sources"] = [{"source": r.choice(sources), "section": r.choice(SECTIONS),
                             **({"quote": f"{_cap(insts[0].label)} {_de(where)}"} if r.random() < 0.5 else {})}
                            for _ in range(r.randint(1, 2))]
        front = {k: v for k, v in front.items() if v != []}

        theme_text = ", ".join(t["label"].lower() for t in themes)
        sentences = [
            f"{a} et {b} {r.choice(VERBS)} une coopération {_de(where)} pour {r.choice(GOALS)}.",
            f"Elle s'appuie sur un premier instrument, {insts[0].label}, engagé en {start}.",
            f"Les thèmes travaillés sont les suivants : {theme_text}.",
            f"Les partenaires ont mis en place {r.choice(ACTIONS)} et {r.choice(ACTIONS)}.",
            f"{r.choice(RESULTS)}.",
            f"Le projet mobilise {len(members)} partenaires et {len(insts)} instrument{'s' if len(insts) > 1 else ''}.",
            f"{r.choice(RESULTS)}.",
            f"{r.choice(STAKES)} reste l'enjeu principal pour les élus.",
        ]
        body = " ".join(sentences[:r.randint(3, 8)])
        text = f"---\n{_dump(front)}---\n{textwrap.fill(body, width=100)}\n"
        (dest / "cases" / f"{case_id}.md").write_text(text, encoding="utf-8")
        if i == n_cases // 2:
            sample_title = title
        if progress and ((i + 1) % 1000 == 0 or i + 1 == n_cases):
            progress(i + 1, n_cases)
    return GeneratedCorpus(dest, n_cases, len(actors), len(territories), sample_title)
