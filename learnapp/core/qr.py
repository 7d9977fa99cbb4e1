"""QR codes as inline SVG (crisp on screen and on paper, no image files, no script)."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from markupsafe import Markup


def qr_svg(text: str, *, label: str = "", border: int = 2) -> Markup:
    """An ``<svg>`` element showing ``text`` as a QR code (error correction M), scaled by
    CSS. ``label`` becomes its accessible name."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=border,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    code.add_data(text)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    svg = svg.split("?>", 1)[-1].strip()  # drop the XML declaration
    role = f' role="img" aria-label="{Markup.escape(label)}"' if label else ' aria-hidden="true"'
    # Trusted: the SVG is qrcode's own output and the label is escaped above.
    return Markup(svg.replace("<svg ", f'<svg class="qr"{role} ', 1))  # noqa: S704  # nosec B704
