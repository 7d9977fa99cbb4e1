"""Render the app icons (static/img/icon*.svg, drawn for this project) to the PNG sizes
the web app manifest needs, with Debian's Chromium. Run by hand when an icon changes;
the PNGs are committed.

    .venv/bin/python scripts/icons.py
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

IMG = Path(__file__).resolve().parents[1] / "static" / "img"
RENDERS = [
    ("icon.svg", 192, "icon-192.png"),
    ("icon.svg", 512, "icon-512.png"),
    ("icon-maskable.svg", 512, "icon-maskable-512.png"),
]


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        for source, size, target in RENDERS:
            page = browser.new_page(viewport={"width": size, "height": size})
            svg = (IMG / source).read_text(encoding="utf-8")
            page.set_content(
                "<style>html,body{margin:0;background:transparent}svg{display:block;"
                f"width:{size}px;height:{size}px}}</style>{svg}"
            )
            page.screenshot(path=str(IMG / target), omit_background=True)
            page.close()
            print(f"static/img/{target}")
        browser.close()


if __name__ == "__main__":
    main()
