"""Confidence of each kind of evidence the extraction weighs: a label, an institution rule (with or
without a link to the base), a keyword, a NER entity, the structure of the document, the title
bonus and the ceiling. Which evidence each constant stands for is the table of :mod:`.extract`'s
module doc; the graph stage asserts at ``ASSERT_THRESHOLD`` and turns the rest into suggestions.
"""

# Confidence of each kind of evidence (see the table of extract.py's module doc).
CONF_LABEL = 0.95
CONF_LABEL_SINGLE = 0.90
CONF_SHARED_LABEL = 0.50
CONF_PATTERN_EXACT = 0.93
CONF_PATTERN_FUZZY = 0.90
CONF_PATTERN_NEW = 0.80
CONF_PATTERN_WEAK = 0.60
CONF_KEYWORD = 0.90
CONF_KEYWORD_SINGLE = 0.85
CONF_GENERIC = 0.60
CONF_AMBIGUOUS = 0.50
CONF_NER_EXACT = 0.75
CONF_NER_FUZZY = 0.60
CONF_NER = 0.50
CONF_STRUCTURE = 0.90
CONF_NAME_STRUCTURE = 0.90
TITLE_BONUS = 0.03
CONF_MAX = 0.98
