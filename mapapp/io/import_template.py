"""The catalog import template: an XLSX workbook a partner fills in and imports as it is.

Sheets:

``Lisez-moi``
    how to fill the workbook, then one line per column of every sheet: its
    French label, whether it is required, its format (list separator ``|``,
    dates, coordinates) and, for a controlled column, where its codes are;
``structures``, ``lieux``, ``offres``, ``mobilite``
    one sheet per kind of record, the first row holding the real column
    names the importer reads (:data:`mapapp.io.readers_core.FIELD_TYPES`), each
    with its French label as a cell comment; a one-value controlled column
    has a drop-down list (data validation) of its codes;
``Vocabulaires``
    every vocabulary: the code to write and its French label.

The importer (:func:`mapapp.io.readers_tabular.read_xlsx`) reads the four
record sheets and passes over ``Lisez-moi`` and ``Vocabulaires`` silently, so
the filled template imports cleanly (``tests/io/test_import_template.py``).
Written by ``mapapp modele-import`` and offered on the partners' import page.
"""

from __future__ import annotations

import io
from pathlib import Path

from mapapp.catalog import vocab
from mapapp.catalog.history import FIELD_LABELS
from mapapp.io.readers_core import FIELD_TYPES, LIST_SEPARATOR

#: Record sheets: catalog section -> sheet name (a name the importer recognises).
SHEETS = {"structures": "structures", "sites": "lieux", "offers": "offres", "mobility_solutions": "mobilite"}
README_SHEET = "Lisez-moi"
VOCABULARY_SHEET = "Vocabulaires"
#: Sheets of the template that hold no records (the importer passes over them).
HELP_SHEETS = frozenset({README_SHEET.lower(), VOCABULARY_SHEET.lower()})

#: Vocabularies: (name shown, codes -> French labels).
VOCABULARIES: dict[str, tuple[str, dict[str, str]]] = {
    "reseaux_porteurs": ("Réseaux porteurs", vocab.RESEAUX_PORTEURS),
    "site_kinds": ("Types de lieu", vocab.SITE_KINDS),
    "statuses": ("Statuts", vocab.STATUSES),
    "types_service": ("Types de service", vocab.TYPES_SERVICE),
    "thematiques": ("Thématiques", vocab.THEMATIQUES),
    "publics": ("Publics", vocab.PUBLICS),
    "modes_accueil": ("Modes d'accueil", vocab.MODES_ACCUEIL),
    "frais": ("Frais", vocab.FRAIS),
    "modes_mobilisation": ("Modes de mobilisation", vocab.MODES_MOBILISATION),
    "mobilisable_par": ("Mobilisable par", vocab.PERSONNES_MOBILISATRICES),
    "delivery_modes": ("Modes de délivrance", vocab.DELIVERY_MODES),
    "mobility_kinds": ("Natures de solution de mobilité", vocab.MOBILITY_KINDS),
    "mobility_categories": ("Catégories de solution de mobilité", vocab.MOBILITY_CATEGORIES),
}
#: (section, column) -> vocabulary key.
CONTROLLED = {
    ("structures", "reseaux_porteurs"): "reseaux_porteurs",
    ("sites", "kind"): "site_kinds", ("sites", "status"): "statuses",
    ("offers", "type"): "types_service", ("offers", "thematiques"): "thematiques", ("offers", "publics"): "publics",
    ("offers", "modes_accueil"): "modes_accueil", ("offers", "frais"): "frais",
    ("offers", "modes_mobilisation"): "modes_mobilisation", ("offers", "mobilisable_par"): "mobilisable_par",
    ("offers", "delivery_mode"): "delivery_modes", ("offers", "status"): "statuses",
    ("mobility_solutions", "kind"): "mobility_kinds", ("mobility_solutions", "category"): "mobility_categories",
    ("mobility_solutions", "publics"): "publics", ("mobility_solutions", "status"): "statuses",
}
#: Columns a new record must fill (the catalog's validators say so too, with the line).
REQUIRED = {
    "structures": {"id", "nom"},
    "sites": {"id", "structure_id", "nom", "kind", "lon", "lat", "status"},
    "offers": {"id", "structure_id", "nom", "description", "delivery_mode", "status"},
    "mobility_solutions": {"id", "structure_id", "nom", "kind", "category", "status"},
}
#: Formats said in the « Lisez-moi » sheet, per column type or column.
FORMATS = {
    "list": f"plusieurs valeurs séparées par « {LIST_SEPARATOR} »",
    "date": "date (JJ/MM/AAAA ou AAAA-MM-JJ)",
    "float": "nombre décimal (virgule ou point)",
    "int": "nombre entier",
}
COLUMN_FORMATS = {
    "lon": "longitude en degrés décimaux (WGS 84), par exemple 2,0401",
    "lat": "latitude en degrés décimaux (WGS 84), par exemple 45,0301",
    "horaires_accueil": "syntaxe OpenStreetMap, par exemple « Mo-Fr 09:00-12:00,14:00-17:00; PH off »",
    "commune_code": "code INSEE de la commune (5 caractères)",
    "zone_eligibilite": f"codes INSEE, SIREN d'EPCI ou numéro de département séparés par « {LIST_SEPARATOR} » ; "
                        "vide : sans restriction",
    "served_communes": f"codes INSEE séparés par « {LIST_SEPARATOR} »",
    "site_ids": f"identifiants (id) des lieux séparés par « {LIST_SEPARATOR} »",
    "structure_id": "identifiant (id) de la structure",
    "id": "identifiant unique de la fiche (gardez le même pour mettre une fiche à jour)",
}
#: The columns first in each sheet (then the others, in the catalog's order); technical dates last.
FIRST = ("id", "structure_id", "nom")
LAST = ("date_maj", "date_verification")


def columns(section: str) -> list[str]:
    """The column names of a record sheet, as the importer reads them."""
    names = list(FIELD_TYPES[section])
    head = [n for n in FIRST if n in names]
    tail = [n for n in LAST if n in names]
    return head + [n for n in names if n not in head and n not in tail] + tail


def label(column: str) -> str:
    return FIELD_LABELS.get(column, column.replace("_", " "))


def _format(section: str, column: str) -> str:
    key = CONTROLLED.get((section, column))
    parts = [COLUMN_FORMATS.get(column) or FORMATS.get(FIELD_TYPES[section][column], "texte")]
    if key:
        several = FIELD_TYPES[section][column] == "list"
        parts = [f"{'codes' if several else 'un code'} de la liste « {VOCABULARIES[key][0]} » (feuille "
                 f"{VOCABULARY_SHEET})" + (f", séparés par « {LIST_SEPARATOR} »" if several else "")]
    return parts[0]


README = [
    "Modèle d'import du catalogue : structures, lieux, offres et solutions de mobilité.",
    "",
    "Comment le remplir :",
    "1. Une ligne par fiche, dans la feuille de son type (structures, lieux, offres, mobilite). "
    "Ne changez pas la première ligne : ce sont les noms de colonnes que l'import lit.",
    "2. Laissez vides les colonnes que vous ne connaissez pas ; pour une fiche existante, une colonne vide ou "
    "absente garde la valeur actuelle.",
    f"3. Plusieurs valeurs dans une case : séparez-les par « {LIST_SEPARATOR} » (par exemple "
    f"« jeunes{LIST_SEPARATOR}femmes »).",
    "4. Les colonnes à liste de valeurs attendent les codes de la feuille « Vocabulaires » (colonne Code), pas les "
    "libellés : une liste déroulante les propose quand une seule valeur est permise.",
    "5. Importez le fichier tel quel depuis l'espace partenaires (Import) : l'import est d'abord simulé, chaque "
    "problème est signalé avec sa colonne et sa ligne, et rien n'est écrit avant votre confirmation.",
    "",
    "Les colonnes :",
]


def build_workbook():
    """The template as an :class:`openpyxl.Workbook`."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE5F4")
    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    for line in README:
        readme.append([line])
    readme["A1"].font = Font(bold=True, size=14)
    readme.append(["Feuille", "Colonne", "Libellé", "Obligatoire", "Format"])
    header_row = readme.max_row
    for cell in readme[header_row]:
        cell.font, cell.fill = bold, header_fill
    for section, sheet_name in SHEETS.items():
        for column in columns(section):
            readme.append([sheet_name, column, label(column), "oui" if column in REQUIRED[section] else "",
                           _format(section, column)])
    for letter, width in zip("ABCDE", (12, 24, 34, 12, 90)):
        readme.column_dimensions[letter].width = width

    vocab_sheet = wb.create_sheet(VOCABULARY_SHEET)
    vocab_sheet.append(["Liste", "Code", "Libellé"])
    for cell in vocab_sheet[1]:
        cell.font, cell.fill = bold, header_fill
    ranges: dict[str, str] = {}
    for key, (name, values) in VOCABULARIES.items():
        first = vocab_sheet.max_row + 1
        for code, text in values.items():
            vocab_sheet.append([name, code, text])
        ranges[key] = f"'{VOCABULARY_SHEET}'!$B${first}:$B${vocab_sheet.max_row}"
    for letter, width in zip("ABC", (34, 44, 70)):
        vocab_sheet.column_dimensions[letter].width = width
    vocab_sheet.freeze_panes = "A2"

    for section, sheet_name in SHEETS.items():
        sheet = wb.create_sheet(sheet_name)
        names = columns(section)
        sheet.append(names)
        for index, column in enumerate(names, start=1):
            cell = sheet.cell(row=1, column=index)
            cell.font, cell.fill = bold, header_fill
            cell.alignment = Alignment(wrap_text=False)
            required = " (obligatoire)" if column in REQUIRED[section] else ""
            cell.comment = Comment(f"{label(column)}{required} : {_format(section, column)}", "mapapp")
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, len(column) + 4)
            key = CONTROLLED.get((section, column))
            if key and FIELD_TYPES[section][column] != "list":
                check = DataValidation(type="list", formula1=f"={ranges[key]}", allow_blank=True,
                                       showErrorMessage=True, errorTitle="Valeur inconnue",
                                       error=f"Choisissez un code de la liste « {VOCABULARIES[key][0]} » "
                                             f"(feuille {VOCABULARY_SHEET}).")
                check.add(f"{letter}2:{letter}1000")
                sheet.add_data_validation(check)
        sheet.freeze_panes = "A2"
    return wb


def template_bytes() -> bytes:
    """The template as XLSX bytes (the web download)."""
    buffer = io.BytesIO()
    build_workbook().save(buffer)
    return buffer.getvalue()


def write_template(path: str | Path) -> Path:
    """Write the template to ``path`` (parent folders created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(template_bytes())
    return path
