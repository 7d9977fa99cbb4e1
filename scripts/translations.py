"""Keep the catalogues in step with the code: ``python scripts/translations.py``.

Extracts every message into ``translations/messages.pot``, updates the ``vi`` and ``en``
catalogues, and fills the English catalogue from the English source strings (msgids are
written in English). Vietnamese strings are translated by hand; the tests fail while
any is missing or fuzzy.
"""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
POT = ROOT / "translations" / "messages.pot"


def run(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


def main() -> None:
    run(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "-k",
        "lazy_gettext",
        "--no-location",
        "--sort-output",
        "--project",
        "Hoc vu so",
        "-o",
        str(POT),
        ".",
    )
    for locale in ("vi", "en"):
        po = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
        if po.exists():
            run(
                "update",
                "-i",
                str(POT),
                "-d",
                "translations",
                "-l",
                locale,
                "--no-fuzzy-matching",
                "--ignore-obsolete",
            )
        else:
            run("init", "-i", str(POT), "-d", "translations", "-l", locale)
    en = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    with open(en, "rb") as fh:
        catalog = read_po(fh, locale="en")
    for message in catalog:
        if message.id and not (
            message.string if not isinstance(message.id, tuple) else all(message.string)
        ):
            message.string = message.id
        message.flags.discard("fuzzy")
    with open(en, "wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False)


if __name__ == "__main__":
    main()
