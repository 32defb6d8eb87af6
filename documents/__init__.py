"""文书: the notices and replies an office sends, generated from the case record (letters.md).

rules.py (pure: legal basis, remedy clause, 复议机关), kinds.py (the nine kinds), context.py (the one
context every format renders), render.py (txt and DOCX through docxtpl), pdf.py (LibreOffice)."""
