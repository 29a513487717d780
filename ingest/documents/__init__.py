"""Raw document ingestion: read a file, segment it into case candidates, extract mentions.

Every function in this package is pure (a file or a text in, values out); writing to the store is
done by kb.documents. Offsets always index ``Document.text``.
"""
