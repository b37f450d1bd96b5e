"""The BAN-format fixture (``data/adresses-2A.csv``: Corse-du-Sud rows and a few Haute-Corse ones) and helpers."""

from pathlib import Path

BAN_FIXTURE = Path(__file__).parent / "data" / "adresses-2A.csv"
HEADER = BAN_FIXTURE.read_text(encoding="utf-8").splitlines()[0]


def ban_row(ident="2A004_t_00001", numero="1", rep="", voie="Rue Test", cp="20000", insee="2A004",
            commune="Ajaccio", lon="8.73", lat="41.92", ld="") -> str:
    """One row in the BAN's 23 columns."""
    return (f"{ident};;{numero};{rep};{voie};{cp};{insee};{commune};;;0;0;{lon};{lat};entrée;;{ld};"
            f"{commune.upper()};{voie.upper()};commune;commune;1;")


def write_ban(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path
