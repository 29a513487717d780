"""Rule 8 of the segmentation: the rows of a record table that name an instrument type are practices
of their own, when nothing else in the document starts one (ingest/documents/tables.py)."""
from __future__ import annotations

from ingest.documents.blocks import blocks
from ingest.documents.segment import candidates
from ingest.documents.tables import record_rows
from tests.test_ingest_segment import check_candidates, doc

HEADER = "Réf.\tAction\tPilote\tPartenaires\tCadre / outil\tBudget\n"
ROWS = [
    "A1\tComité de pilotage commun et renouvellement de la convention\tPNR des Vosges du Nord\t"
    "Naturpark Pfälzerwald\tConvention de coopération transfrontalière (2018)\t-\n",
    "A2\tInventaire des mares\tPNR des Vosges du Nord\t-\tMarché d'étude\t42 000\n",
    "B1\tRestauration des prairies humides\tPNR des Vosges du Nord (chef de file)\tNaturpark Pfälzerwald ; "
    "Conservatoire d'espaces naturels d'Alsace\tProjet Interreg Rhin supérieur\t2 840 000\n",
    "C1\tLiaison cyclable Wissembourg - Schweigen\tCommunauté de communes du Pays de Wissembourg\t"
    "Commune de Schweigen-Rechtenbach\tConvention de réalisation et d'entretien\t1 960 000\n",
]
TABLE = "# Tableau de suivi du plan d'actions 2024-2026\n\n" + HEADER + "".join(ROWS)


def titles(text: str) -> list[str]:
    d = doc(text)
    check_candidates(d)
    return [c.title for c in candidates(d)]


def test_each_row_naming_an_instrument_is_a_practice_titled_by_its_action():
    assert titles(TABLE) == ["Comité de pilotage commun et renouvellement de la convention",
                             "Restauration des prairies humides", "Liaison cyclable Wissembourg - Schweigen"]
    d = doc(TABLE)
    (first, second, third) = candidates(d)
    assert [b.text.split("\t")[0] for b in second.blocks] == ["B1"]  # the row alone: not A2's inventory


def test_without_an_action_column_the_first_cell_of_a_few_words_titles_the_row():
    text = TABLE.replace("\tAction\t", "\tThème\t")
    assert titles(text)[1] == "Restauration des prairies humides"


def test_tables_that_list_no_practices():
    # one row only names an instrument
    d = doc("# Suivi\n\n" + HEADER + ROWS[0] + ROWS[1])
    assert record_rows(d.text, blocks(d)) == {}
    assert len(titles(d.text)) == 1  # the document's one practice
    # a body's name is no instrument (« PETR du Pays de Langres » as the pilot)
    petr = []
    for r in ROWS:
        for instrument in ("Convention de coopération transfrontalière (2018)", "Projet Interreg Rhin supérieur",
                           "Convention de réalisation et d'entretien"):
            r = r.replace(instrument, "-")
        petr.append(r.replace("PNR des Vosges du Nord", "PETR du Pays de Saverne"))
    d = doc("# Suivi\n\n" + HEADER + "".join(petr))
    assert record_rows(d.text, blocks(d)) == {}
    # no header of short labels: not a record table
    d = doc("# Suivi\n\n" + "".join(ROWS))
    assert record_rows(d.text, blocks(d)) == {}


def test_a_table_summing_up_practices_the_sections_describe_adds_none():
    sections = ("## La convention de coopération des deux parcs\n\nLe PNR des Vosges du Nord et le Naturpark "
                "Pfälzerwald renouvellent leur convention.\n\n## Le projet Interreg des prairies humides\n\n"
                "Le PNR des Vosges du Nord conduit le projet avec le Conservatoire d'espaces naturels d'Alsace.\n\n")
    assert titles("# Bilan\n\n" + sections + HEADER + "".join(ROWS)) == [
        "La convention de coopération des deux parcs", "Le projet Interreg des prairies humides"]
