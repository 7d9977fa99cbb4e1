"""A fake camera for Chromium: a .y4m video showing a QR code, for
``--use-file-for-fake-video-capture``."""

from pathlib import Path

import qrcode

WIDTH, HEIGHT, FRAMES = 640, 480, 10


def qr_video(text: str, path: Path) -> Path:
    """Write a short still video (4:2:0 Y4M) of a black-on-white QR code of ``text``."""
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    modules = len(matrix)
    scale = (HEIGHT - 40) // modules
    left = (WIDTH - modules * scale) // 2
    top = (HEIGHT - modules * scale) // 2
    luma = bytearray([235]) * (WIDTH * HEIGHT)
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if dark:
                for y in range(top + row * scale, top + (row + 1) * scale):
                    start = y * WIDTH + left + col * scale
                    luma[start : start + scale] = bytes([16]) * scale
    chroma = bytes([128]) * ((WIDTH // 2) * (HEIGHT // 2))
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F5:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(FRAMES):
            out.write(b"FRAME\n")
            out.write(luma)
            out.write(chroma)
            out.write(chroma)
    return path
