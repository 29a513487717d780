"""Rule 9 of the segmentation: paragraphs naming their practice in bold, in turn, are practices of
their own when nothing else starts one (ingest/documents/emphasis.py)."""
from __future__ import annotations

from ingest.documents.segment import candidates
from tests.test_ingest_segment import check_candidates, doc

FILLER = ("Elle se réunit deux fois par an, s'appuie sur un secrétariat commun et porte un programme de travail "
          "sur la mobilité, la santé et l'observation des territoires de part et d'autre de la frontière.")
ANSWER = ("## Texte de la réponse\n\n"
          f"La coopération s'appuie d'abord sur **la Conférence TransJurassienne (CTJ)**. {FILLER}\n\n"
          f"**L'Agglomération urbaine du Doubs (AUD)**, groupement local de coopération transfrontalière, associe "
          f"la communauté de communes du Val de Morteau et la ville du Locle. {FILLER}\n\n"
          f"L'ARS a signé avec le **PETR du Pays Horloger** un **contrat local de santé** pour 2023-2027. {FILLER}\n\n"
          f"Par ailleurs, les collectivités peuvent mobiliser les crédits de droit commun. {FILLER}\n")


def titles(text: str) -> list[str]:
    d = doc(text, "reponse.md")
    check_candidates(d)
    return [c.title for c in candidates(d)]


def test_each_paragraph_naming_a_practice_in_bold_starts_one():
    d = doc("# Question écrite\n\n" + ANSWER, "reponse.md")
    cands = candidates(d)
    # the run naming an instrument type and no body titles the third
    assert [c.title for c in cands] == ["la Conférence TransJurassienne (CTJ)", "L'Agglomération urbaine du Doubs (AUD)",
                                        "contrat local de santé"]
    assert "droit commun" in d.text[cands[2].start:cands[2].end]  # the paragraph after it continues it
    check_candidates(d)


def test_the_same_bold_name_again_continues_its_practice_and_one_is_not_enough():
    one = ANSWER.replace("**L'Agglomération urbaine du Doubs (AUD)**", "**la Conférence TransJurassienne (CTJ)**")
    assert titles(one)[:2] == ["la Conférence TransJurassienne (CTJ)", "contrat local de santé"]
    # a single bold practice: the document's one practice
    single = ANSWER.replace("**L'Agglomération urbaine du Doubs (AUD)**", "L'Agglomération urbaine du Doubs") \
                   .replace("**PETR du Pays Horloger** un **contrat local de santé**", "PETR un contrat local de santé")
    assert len(titles(single)) == 1


def test_short_lines_and_labels_in_bold_start_nothing():
    labels = ("## Fiche\n\n**Pilotage** : la Communauté de communes du Val de Morteau assure le pilotage. " + FILLER
              + "\n\n**Calendrier** : 2024-2026.\n\n**Partenaires** : " + FILLER + "\n")
    assert len(titles(labels)) == 1
