"""The documentation site, built and looked at in a headless browser (Chromium).

``mkdocs build --strict`` builds mkdocs.yml + docs/ into a temporary directory, served on
localhost; Chromium (driven by selenium through /usr/bin/chromedriver) opens every page:
each renders with its title and no JavaScript error, loads nothing from outside the site,
every link inside the site leads to a page (and an anchor on it) that exists, the search
index holds the API, and the API reference shows ``tl.grad``'s parameters.

Needs the docs extra (mkdocs, mkdocs-material, mkdocstrings[python], selenium) and
Chromium with its driver (``apt-get install chromium chromium-driver``): skipped without
them, except where ``TL_SITE_REQUIRED=1`` (CI's main job), which makes that an error.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage")



def _missing() -> list:
    """What this test needs and does not find."""
    import importlib.util

    out = [m for m in ("mkdocs", "material", "mkdocstrings_handlers.python", "selenium")
           if importlib.util.find_spec(m.split(".")[0]) is None or importlib.util.find_spec(m) is None]
    return out + [exe for exe, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)) if not path]


# CI's main job sets TL_SITE_REQUIRED=1 (.ci/run): there, a missing piece fails instead of skipping
if _missing():
    if os.environ.get("TL_SITE_REQUIRED") == "1":
        raise RuntimeError(f"tests/test_site.py needs {', '.join(_missing())} (TL_SITE_REQUIRED=1): "
                           "pip install -e '.[docs]' and apt-get install chromium chromium-driver")
    pytest.skip(f"needs {', '.join(_missing())} (the docs extra; apt-get install chromium chromium-driver)",
                allow_module_level=True)

from selenium import webdriver  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site's directory and the address it is served at."""
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    handler = functools.partial(_Quiet, directory=str(out))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # (no line per request in the test output)
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # a page left before it loaded: not news
        pass


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _pages(out: Path):
    """The site's pages, as paths relative to its root ('' for the home page)."""
    return sorted(str(p.parent.relative_to(out)).replace(".", "") + "/" if p.parent != out else ""
                  for p in out.rglob("index.html") if "assets" not in p.parts)


def _titles():
    """Page path -> the title the navigation in mkdocs.yml gives it."""
    import yaml

    class _Loader(yaml.SafeLoader):  # (mkdocs.yml may hold python tags: not used here)
        pass

    _Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    out = {}

    def walk(items):
        for item in items:
            for title, target in item.items():
                if isinstance(target, list):
                    walk(target)
                else:
                    page = target[:-len(".md")]
                    page = "" if page == "index" else page + "/"
                    out[page] = title
    walk(config["nav"])
    return out


@pytest.fixture(scope="module")
def visited(site, browser):
    """Every page of the site opened once in the browser: page path -> what it showed (its
    title, heading, JavaScript errors, resources loaded from outside the site, links)."""
    out, base = site
    seen = {}
    for page in _pages(out):
        browser.get(base + page)
        seen[page] = {
            "title": browser.title,
            "heading": browser.find_element("css selector", "article h1").text,
            "errors": [e for e in browser.get_log("browser") if e["level"] == "SEVERE"],
            "outside": browser.execute_script(  # scripts, styles, images, fonts
                "return performance.getEntriesByType('resource').map(e => e.name)"
                ".filter(n => !n.startsWith(location.origin))"),
            "links": browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"),
        }
    return seen


def test_every_page_renders_with_its_title_and_no_error(site, visited):
    out, _ = site
    titles = _titles()
    assert set(titles) <= set(visited), set(titles) - set(visited)
    assert len(visited) >= 17
    for page, shown in visited.items():
        assert shown["heading"].strip(), f"{page}: no heading"
        if page in titles:
            assert shown["title"] == (f"{titles[page]} - tangent_lite" if page else "tangent_lite"), \
                (page, shown["title"])
        assert not shown["errors"], f"{page}: {shown['errors']}"
        assert not shown["outside"], f"{page} loads {shown['outside']}"


def test_code_is_highlighted(site, browser):
    _, base = site
    browser.get(base + "getting-started/")
    spans = browser.find_elements("css selector", ".highlight code span.kn, .highlight code span.k")
    assert spans, "no highlighted keyword in the code blocks"
    color = spans[0].value_of_css_property("color")
    plain = browser.find_element("css selector", "article p").value_of_css_property("color")
    assert color != plain


def test_internal_links_resolve(site, visited):
    """Every link from page to page inside the site leads to a page that exists, and to an
    element with the anchor's id when it has one."""
    _, base = site
    targets = {}
    for page, shown in visited.items():
        for href in shown["links"]:
            if href.startswith(base):
                targets.setdefault(href, page)
    assert len(targets) > 50
    ids = {}  # page address -> the ids of its elements, from the HTML served
    for href, page in sorted(targets.items()):
        url, _, anchor = href.partition("#")
        if url not in ids:
            try:
                with urllib.request.urlopen(url) as response:
                    ids[url] = set(re.findall(r'\bid="([^"]+)"', response.read().decode("utf-8", "replace")))
            except urllib.error.HTTPError as e:
                raise AssertionError(f"{page or 'home'} links to {href}: {e.code}") from None
        if anchor:
            assert urllib.parse.unquote(anchor) in ids[url], f"{page or 'home'} links to {href}: no such anchor"


def test_search_index(site, browser):
    out, base = site
    index = json.loads((out / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = " ".join(doc["text"] + " " + doc["title"] for doc in index["docs"])
    for word in ("jacobian", "checkpointed", "value_and_grad", "defvjp"):
        assert word in text, word
    # and the page's search box finds it (the search runs in a web worker over that index)
    browser.get(base)
    browser.find_element("css selector", "label.md-search__icon, label[for='__search']").click()
    box = browser.find_element("css selector", "input.md-search__input")
    box.send_keys("jacobian")
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(lambda d: d.find_elements("css selector", ".md-search-result__item"))
    results = " ".join(e.text for e in browser.find_elements("css selector", ".md-search-result__item"))
    assert "jacobian" in results.lower()


def test_api_reference_shows_the_parameters(site, browser):
    _, base = site
    browser.get(base + "reference/api/")
    section = browser.find_element("id", "tangent_lite.grad").find_element("xpath", "..")
    text = section.text
    for name in ("f", "wrt", "backend", "has_aux"):
        assert name in text
    assert "Parameters" in text and "Returns" in text
    for anchor in ("tangent_lite.jacobian", "tangent_lite.checkpointed", "tangent_lite.value_and_grad",
                   "tangent_lite.hessian", "tangent_lite.jvp", "tangent_lite.vjp", "tangent_lite.cache_info"):
        assert browser.find_elements("id", anchor), anchor
