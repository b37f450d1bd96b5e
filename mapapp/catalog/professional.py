"""What only professionals see: the structures' direct contacts and the internal notes on orientation.

A *professional* (référent RSA, travailleur social of a partner, role
``professional``) logs in to read, not to edit. The fields of
:data:`PRO_FIELDS` hold information the structures give to fellow
professionals and not to the public: a direct line and e-mail, and a note on
how to orient a person (whom to ask, what to send first, which days the
référent is there).

Who sees them (:func:`sees_professional`): professionals, moderators and
administrators. Partners edit their own structure's fields through the
contribution forms (and moderators through moderation and imports), but the
public pages show them only to the roles above. Anonymous visitors never see
them, and neither do the API nor the open-data exports (data·inclusion, CSV),
which list their fields explicitly and leave these out (tested).
"""

from __future__ import annotations

#: Catalog section → its professional-only fields.
PRO_FIELDS: dict[str, tuple[str, ...]] = {
    "structures": ("contact_pro_telephone", "contact_pro_courriel", "note_orientation"),
    "offers": ("note_orientation",),
}
#: Roles that see the professional fields and may ask for the « version professionnelle » of a guide.
PRO_ROLES = ("professional", "moderator", "admin")

FIELD_LABELS = {
    "contact_pro_telephone": "Téléphone direct (professionnels)",
    "contact_pro_courriel": "Courriel direct (professionnels)",
    "note_orientation": "Note d'orientation (professionnels)",
}


def sees_professional(user) -> bool:
    """True when ``user`` (None for the anonymous public) may see the professional fields."""
    return user is not None and bool(getattr(user, "is_active", False)) and user.role in PRO_ROLES


def pro_fields_of(structure=None, offer=None) -> dict[str, str]:
    """The non-empty professional fields of a structure and/or offer, by French label (structure first)."""
    out: dict[str, str] = {}
    if structure is not None:
        for name in PRO_FIELDS["structures"]:
            if value := getattr(structure, name, None):
                out[FIELD_LABELS[name]] = value
    if offer is not None and (value := offer.note_orientation):
        out["Note d'orientation sur l'offre (professionnels)"] = value
    return out
