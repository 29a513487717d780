"""coopkg ontology namespace. GENERATED from ontology/coopkg.ttl by `coopkg dev regenerate`:
do not edit by hand (tests/test_ontology.py fails when this file is stale).
"""
from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, XSD, DefinedNamespace

__all__ = ["COOP", "ONTOLOGY_IRI", "VANN", "DCAT", "VOID", "DCTERMS", "FOAF", "ORG", "OWL",
           "PROV", "RDF", "RDFS", "SH", "SKOS", "XSD"]

ONTOLOGY_IRI = URIRef("https://w3id.org/coopkg/ontology")
VANN = Namespace("http://purl.org/vocab/vann/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")


class COOP(DefinedNamespace):
    """Terms of the coopkg ontology."""

    _fail = True
    _NS = Namespace("https://w3id.org/coopkg/ontology#")

    Accepted: URIRef
    Actor: URIRef
    ActorTypeScheme: URIRef
    AgenceUrbanisme: URIRef
    AppelAProjets: URIRef
    Asserted: URIRef
    Association: URIRef
    Axis: URIRef
    ChambreConsulaire: URIRef
    Chantier: URIRef
    Charte: URIRef
    CharteDeValeurs: URIRef
    CitizenCollective: URIRef
    CivilSocietyActor: URIRef
    CollaborativePlatform: URIRef
    CommunauteAgglomeration: URIRef
    CommunauteDeCommunes: URIRef
    CommunauteUrbaine: URIRef
    Commune: URIRef
    ConseilDeDeveloppement: URIRef
    ConseilDeDeveloppementFormula: URIRef
    Contract: URIRef
    ContractualInstrument: URIRef
    ContratDeReciprocite: URIRef
    ContratLocalDeSante: URIRef
    ContratPrestationIntegree: URIRef
    ContratTerritorialUnique: URIRef
    Convention: URIRef
    ConventionArticulation: URIRef
    ConventionInterterritoriale: URIRef
    ConventionMutualisation: URIRef
    ConventionTerritoiresPartenaires: URIRef
    CooperationCase: URIRef
    CooperationConcept: URIRef
    CooperationInstrument: URIRef
    CooperationLevel: URIRef
    CooperationProgramme: URIRef
    CuratedCase: URIRef
    DeliberationsConcordantes: URIRef
    Departement: URIRef
    DialogueBody: URIRef
    EPCI: URIRef
    EconomicActor: URIRef
    ElectedOfficialsMeeting: URIRef
    EntenteInterterritoriale: URIRef
    Enterprise: URIRef
    ExtractedCase: URIRef
    Extraction: URIRef
    GIPFormula: URIRef
    GovernanceBody: URIRef
    InstrumentTypeScheme: URIRef
    LeaderProgramme: URIRef
    LevelScheme: URIRef
    Lever: URIRef
    LeverScheme: URIRef
    LocalActionGroup: URIRef
    LocalAuthority: URIRef
    LocalWaterCommission: URIRef
    Metropole: URIRef
    NotionScheme: URIRef
    PAT: URIRef
    PETR: URIRef
    PETRFormula: URIRef
    PNR: URIRef
    PTCE: URIRef
    PactePolitique: URIRef
    Participation: URIRef
    Passage: URIRef
    PaysStructure: URIRef
    PlanDeCooperation: URIRef
    PlanDeMandat: URIRef
    PoleMetropolitain: URIRef
    PoleMetropolitainFormula: URIRef
    PoliticalCommitment: URIRef
    ProgrammeOrScheme: URIRef
    ProjetDeTerritoire: URIRef
    ProximityPole: URIRef
    PublicActor: URIRef
    PublicInterestGroup: URIRef
    Region: URIRef
    ReglementInterieur: URIRef
    Rejected: URIRef
    ResearchOrTrainingBody: URIRef
    ResourceNetwork: URIRef
    ReviewStatus: URIRef
    Role: URIRef
    RoleScheme: URIRef
    SAGE: URIRef
    SCoT: URIRef
    SSEStructure: URIRef
    Scale: URIRef
    ScaleScheme: URIRef
    ScotStructure: URIRef
    SharedEngineering: URIRef
    SharedStructure: URIRef
    SourceDocument: URIRef
    StateActor: URIRef
    StateAgency: URIRef
    StateService: URIRef
    Suggested: URIRef
    SyndicatMixte: URIRef
    SyndicatMixteFormula: URIRef
    TZCLD: URIRef
    TechnicalNetwork: URIRef
    Territory: URIRef
    TerritoryType: URIRef
    TerritoryTypeScheme: URIRef
    Theme: URIRef
    ThemeScheme: URIRef
    WorkingArrangement: URIRef
    ambition: URIRef
    axis: URIRef
    composition: URIRef
    confidence: URIRef
    contentHash: URIRef
    cooperationLevel: URIRef
    endOffset: URIRef
    endYear: URIRef
    evidence: URIRef
    fileName: URIRef
    function: URIRef
    hasGovernanceBody: URIRef
    hasParticipation: URIRef
    hasTheme: URIRef
    illustratesConcept: URIRef
    inDepartement: URIRef
    inDocument: URIRef
    inRegion: URIRef
    involves: URIRef
    method: URIRef
    mobilisesLever: URIRef
    object: URIRef
    officialCode: URIRef
    participant: URIRef
    partnersScale: URIRef
    payload: URIRef
    periodNote: URIRef
    quote: URIRef
    rank: URIRef
    relatedCase: URIRef
    reviewStatus: URIRef
    role: URIRef
    scale: URIRef
    section: URIRef
    stake: URIRef
    startOffset: URIRef
    startYear: URIRef
    territory: URIRef
    territoryType: URIRef
    trigger: URIRef
    usesInstrument: URIRef
