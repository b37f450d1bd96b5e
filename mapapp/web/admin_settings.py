"""The administrator's page of the accessibility settings (``/admin/parametres``, issue 11 §1).

Shows the current settings as French tables (themes with their filters and
thresholds per mode, publics, schedule rule) and the history of versions;
downloads the file (current or any version); imports an edited file (every
problem listed with its line, nothing changed on error); changes one theme's
thresholds for one mode (a new version). Administrators only; forms carry the
CSRF token (:mod:`mapapp.web.auth`). Results follow after a new compute.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from mapapp.access.themes import CATEGORIES, THEMATIQUES
from mapapp.catalog import vocab
from mapapp.catalog.models import AccessSettingsVersion
from mapapp.catalog.settings_store import (
    StoredSettingsError,
    change_thresholds,
    current_settings,
    current_text,
    current_version,
    import_settings,
    parse_minutes,
    settings_history,
)
from mapapp.formats import number
from mapapp.settings_file import MODE_LABELS, MODE_WORDS, Problem, SettingsFileError
from mapapp.web.auth import current_user, login_required
from mapapp.web.db import get_session

bp = Blueprint("admin_parametres", __name__, url_prefix="/admin/parametres")
FILE_NAME = "parametres-accessibilite.toml"
THEMATIQUE_LABELS = {**CATEGORIES, **THEMATIQUES}
IMPORT_FAILED = "Le fichier n'a pas été importé : rien n'a été modifié"
UNKNOWN_HOURS_TEXT = {"count": "comptent (et sont dénombrés sur les pages)", "exclude": "ne comptent pas"}


def _minutes(values) -> str:
    return ", ".join(number(v) for v in values) + " min"


def _filters(theme) -> list[tuple[str, str]]:
    """(what, French values) of each filter the theme sets."""
    out = []
    for what, values, labels in (("Thématiques", theme.thematiques, THEMATIQUE_LABELS),
                                 ("Réseaux porteurs", theme.networks, vocab.RESEAUX_PORTEURS),
                                 ("Types de lieux", theme.site_kinds, vocab.SITE_KINDS),
                                 ("Publics", theme.publics, vocab.PUBLICS)):
        if values is not None:
            out.append((what, " ; ".join(sorted(labels.get(v, v) for v in values))))
    return out


def _vocabulary() -> dict:
    """The values a settings file may use, for the page's « valeurs possibles » (thématiques by category)."""
    categories = [(slug, label, [(t, THEMATIQUES[t]) for t in sorted(THEMATIQUES) if t.split("--", 1)[0] == slug])
                  for slug, label in CATEGORIES.items()]
    return {"categories": categories, "networks": sorted(vocab.RESEAUX_PORTEURS.items()),
            "publics": sorted(vocab.PUBLICS.items()), "kinds": list(vocab.SITE_KINDS.items())}


def _render(*, problems: list[Problem] | None = None, status: int = 200, form: dict | None = None,
            failed: str = ""):
    db = get_session()
    try:
        settings, broken = current_settings(db), None
    except StoredSettingsError as exc:
        settings, broken = None, str(exc)
    version = current_version(db)
    return render_template(
        "admin/parametres.html", settings=settings, broken=broken, version=version, history=settings_history(db),
        problems=problems or [], failed=failed, form=form or {}, modes=MODE_WORDS, mode_labels=MODE_LABELS,
        filters=_filters, minutes=_minutes, publics_labels=vocab.PUBLICS, unknown_hours=UNKNOWN_HOURS_TEXT, number=number,
        vocabulary=_vocabulary(),
    ), status


@bp.route("/")
@login_required("admin")
def page():
    return _render()


def _download(text: str, name: str) -> Response:
    return Response(text, mimetype="application/toml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/fichier")
@login_required("admin")
def download():
    return _download(current_text(get_session()), FILE_NAME)


@bp.route("/version/<int:version_id>/fichier")
@login_required("admin")
def download_version(version_id: int):
    version = get_session().get(AccessSettingsVersion, version_id)
    if version is None:
        abort(404, description="Aucune version des paramètres n'a ce numéro.")
    return _download(version.text, f"parametres-accessibilite-v{version.id}.toml")


def _stored(version, what: str):
    if version is None:
        flash(f"{what} : identique à la version courante, rien de nouveau n'est enregistré.")
    else:
        flash(f"{what} : version {version.id} enregistrée. Lancez un nouveau calcul pour que les résultats "
              "suivent ces paramètres.")
    return redirect(url_for("admin_parametres.page"))


@bp.route("/importer", methods=["POST"])
@login_required("admin")
def upload():
    db = get_session()
    upload = request.files.get("fichier")
    comment = request.form.get("commentaire", "")
    if upload is None or not upload.filename:
        return _render(problems=[Problem(None, "choisissez un fichier de paramètres à importer")], status=400,
                       form={"commentaire": comment}, failed=IMPORT_FAILED)
    try:
        version = import_settings(db, upload.read(), author=current_user().label, comment=comment)
        db.commit()
    except SettingsFileError as exc:
        db.rollback()
        return _render(problems=exc.problems, status=422, form={"commentaire": comment, "fichier": upload.filename},
                       failed=IMPORT_FAILED)
    return _stored(version, f"Fichier « {upload.filename} »")


@bp.route("/seuils", methods=["POST"])
@login_required("admin")
def thresholds():
    db = get_session()
    form = {k: request.form.get(k, "") for k in ("theme", "mode", "seuil", "paliers", "commentaire")}
    mode = {word: mode for mode, word in MODE_WORDS.items()}.get(form["mode"], form["mode"])
    try:
        main = parse_minutes(form["seuil"], "Seuil principal")
        if len(main) != 1:
            raise SettingsFileError([Problem(None, "Seuil principal : donnez un seul nombre de minutes")])
        bands = parse_minutes(form["paliers"], "Paliers")
        version = change_thresholds(db, form["theme"], mode, main[0], bands, author=current_user().label,
                                    comment=form["commentaire"] or f"seuils de « {form['theme']} » "
                                                                   f"({MODE_LABELS.get(mode, mode)})")
        db.commit()
    except SettingsFileError as exc:
        db.rollback()
        return _render(problems=exc.problems, status=422, form=form,
                       failed="Les seuils n'ont pas été enregistrés : rien n'a été modifié")
    return _stored(version, "Seuils")
