"""Shared constants of the demo catalog: opening hours (OpenStreetMap syntax), names."""

from __future__ import annotations

H_SIEGE = "Mo-Fr 08:30-12:00,13:30-17:00; PH off"
H_ANTENNE = ["Mo,Tu,Th 09:00-12:00,13:30-17:00; PH off", "Tu,We,Fr 09:00-12:00,14:00-17:00; PH off"]
H_PERMANENCE = ["Th[2] 09:00-12:00", "Tu[1,3] 14:00-16:30", "Mo[4] 09:30-12:00", "We[1] 14:00-17:00",
                "Fr[2,4] 09:00-11:30", "Th[1,3] 14:00-16:00"]  # fmt: skip
H_FS = ["Mo-Fr 09:00-12:00,13:30-17:00; PH off", "Tu-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00; PH off"]
# the France Services bus: one half-day a week at each stop
H_BUS = ["Mo 09:00-12:00", "Mo 14:00-16:30", "Tu 09:00-12:00", "Tu 14:00-16:30", "We 09:00-12:00",
         "Th 09:00-12:00", "Th 14:00-16:30", "Fr 09:00-12:00"]  # fmt: skip
H_FT = "Mo-We 08:30-16:30; Th 08:30-12:30; Fr 08:30-15:30; PH off"
H_OFFICE = "Mo-Fr 09:00-12:00,14:00-17:00; PH off"
H_ML = "Mo-Fr 09:00-12:30,13:30-17:30; PH off"
H_PARTNER_PERM = ["Tu[1,3] 09:00-12:00", "Th[2,4] 14:00-17:00", "We[2] 09:00-12:00", "Mo[1] 14:00-16:30"]
H_FOOD = ["Tu,Fr 13:30-16:30", "We 09:00-12:00; Sa 09:00-11:30", "Th 14:00-17:00"]
H_MEDIATHEQUE = "Tu 14:00-18:00; We 10:00-12:00,14:00-18:00; Sa 10:00-16:00"

ETAT = "État"
CD = "demo--cd96"
CD_NAME = "Département du Val-d'Arlenc"


def offer_template(nom: str, typ: str, thematiques: list[str], publics: list[str], description: str) -> tuple:
    """An offer template ``(nom, type, thematiques, publics, description)``."""
    return (nom, typ, thematiques, publics, description)
