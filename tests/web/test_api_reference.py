"""The API reference page: its renderer is vendored whole (licence, recorded version), and
the renderer's data: icons are served as the console's own files, so the page works under
the console's Content-Security-Policy (img-src 'self') without loosening it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from infra.console_edge import content_security_policy
from tools.swagger_ui_images import IMAGES, OVERRIDE_CSS, VENDORED_CSS, overrides

WEB = Path(__file__).resolve().parents[2] / "web"
VENDOR = WEB / "vendor" / "swagger-ui-dist"
PAGE = WEB / "docs" / "index.html"


def test_the_renderer_is_vendored_with_its_licence_and_version() -> None:
    assert {p.name for p in VENDOR.iterdir()} == {
        "swagger-ui-bundle.js", "swagger-ui.css", "LICENSE.txt", "NOTICE.txt", "README.md"}
    assert "Apache License" in (VENDOR / "LICENSE.txt").read_text()
    readme = (VENDOR / "README.md").read_text()
    version = re.search(r"swagger-ui-dist@(\d+\.\d+\.\d+)", readme)
    assert version and f"swagger-ui-dist {version[1]}" in readme
    # The bundle names the version it is: the README cannot claim another.
    assert f'"{version[1]}"' in (VENDOR / "swagger-ui-bundle.js").read_text()


def test_the_page_loads_only_the_consoles_own_files() -> None:
    html = PAGE.read_text()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    sources = [s for s in sources if not s.startswith("#")]  # the skip link
    assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources)
    assert "<script>" not in html and " style=" not in html  # nothing inline: CSP
    assert '/vendor/swagger-ui-dist/swagger-ui-bundle.js' in sources
    assert sources.index("/assets/docs.css") > sources.index(
        "/vendor/swagger-ui-dist/swagger-ui.css")  # the overrides win by order


def test_every_data_image_of_the_renderer_is_a_file_of_the_console() -> None:
    stylesheet, images = overrides(VENDORED_CSS.read_text(encoding="utf-8"))
    assert OVERRIDE_CSS.read_text(encoding="utf-8") == stylesheet, (
        "run `python -m tools.swagger_ui_images` after updating swagger-ui-dist")
    assert {p.name for p in IMAGES.glob("swagger-*.svg")} == set(images)
    for name, svg in images.items():
        assert (IMAGES / name).read_text(encoding="utf-8") == svg
        assert svg.startswith("<svg")
    assert "url(\"data:" not in stylesheet
    # The three icons a reader meets on the page are among them.
    for selector in (".swagger-ui select", ".swagger-ui .copy-to-clipboard button",
                     ".swagger-ui .model-toggle:after"):  # fmt: skip
        assert f"\n{selector}{{" in stylesheet, selector


def test_the_generator_turns_a_data_image_into_a_file() -> None:
    css = ('.a{color:red}.b .c{background:#fff url("data:image/svg+xml;charset=utf-8,'
           '<svg xmlns=\\"http://www.w3.org/2000/svg\\"><path fill=\\"%23fff\\"/></svg>") '
           '50% no-repeat;margin:0}')  # fmt: skip
    stylesheet, images = overrides(css)
    (name, svg), = images.items()
    assert svg == '<svg xmlns="http://www.w3.org/2000/svg"><path fill="#fff"/></svg>\n'
    rule = f'.b .c{{background:#fff url("/assets/docs/{name}") 50% no-repeat}}'
    assert stylesheet.splitlines()[1:] == [rule]


def test_the_policy_the_page_must_live_with_is_unchanged() -> None:
    policy = content_security_policy([])
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "img-src 'self';" in policy
    assert "unsafe" not in policy and "data:" not in policy


def test_the_navigation_links_the_page() -> None:
    assert 'element("a", { href: "/docs/" }, t("docs.nav"))' in (
        WEB / "assets" / "app.js").read_text()
    for language in ("en", "ja"):
        catalogue = json.loads((WEB / "assets" / "i18n" / f"{language}.json").read_text())
        assert catalogue["docs.nav"] and catalogue["docs.title"]
