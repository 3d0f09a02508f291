"""The built book, checked in a real browser: Debian's Chromium driven by Playwright, every page
opened from disk (file://) with the network cut off, as a reader with no connection would.

Run after `make pdf` (which builds the site and the PDF): `make book-test`, or
`python -m pytest tools/book/test_site.py`.

Each page must load with no console error and no request that leaves the disk; show no raw TeX
(every formula typeset by MathJax, none in error); load every image, each with alt text; pass
axe-core's audit with no serious or critical violation, on the light and the dark theme. Every
figure is opaque (drawn on white, so readable on the dark theme), every internal link and anchor
of the site resolves, search finds a known term, and the PDF holds every lesson, figure and formula.
"""

import functools
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "build" / "book" / "html"
PDF = ROOT / "build" / "book" / "neural-networks-from-scratch.pdf"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
LESSONS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

if not (HTML / "index.html").exists():
    pytest.fail("no site in build/book/html: build it first with `make book`", pytrace=False)

PAGES = sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
               if not p.relative_to(HTML).parts[0].startswith("_"))

# TeX that MathJax should have replaced: a delimiter, or a command such as \frac, left as text.
RAW_TEX = re.compile(r"\\[()\[\]]|\$\$|\\(frac|sum|mathbf|partial|sqrt|hat|begin)\b")


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium)
        yield launched
        launched.close()


def open_page(browser, url):
    """Open `url` offline; return the page and the list of problems seen while loading."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(120_000)  # a long lesson on a busy machine
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))

    def offline(route):
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            problems.append(f"network request: {route.request.url}")
            route.abort()
    page.route("**/*", offline)
    page.goto(url, wait_until="load")
    page.wait_for_function("() => !window.MathJax || (MathJax.startup && MathJax.startup.promise)")
    page.evaluate("async () => { if (window.MathJax) await MathJax.startup.promise; }")
    return page, problems


@pytest.mark.parametrize("name", PAGES)
def test_page(browser, name):
    page, problems = open_page(browser, (HTML / name).as_uri())
    assert not problems, problems

    # every formula typeset: no math element left without MathJax's output, none in error,
    # and no TeX visible in the text outside code
    untypeset = page.evaluate("""() => [...document.querySelectorAll('.math')]
        .filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80))""")
    assert not untypeset, f"formulas not typeset: {untypeset[:5]}"
    errors = page.evaluate("() => [...document.querySelectorAll('mjx-merror')]"
                           ".map(e => e.textContent)")
    assert not errors, f"MathJax errors: {errors[:5]}"
    text = page.evaluate("""() => {
        const copy = document.querySelector('main').cloneNode(true);
        copy.querySelectorAll('pre, code, mjx-container, script, style').forEach(e => e.remove());
        return copy.innerText; }""")
    raw = sorted({m.group(0) for m in RAW_TEX.finditer(text)})
    assert not raw, f"raw TeX visible: {raw}"

    # every image loaded, and says what it shows
    images = page.evaluate("""() => [...document.querySelectorAll('main img')].map(i =>
        ({src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0,
          alt: (i.getAttribute('alt') || '').trim()}))""")
    assert all(i["loaded"] for i in images), [i["src"] for i in images if not i["loaded"]]
    no_alt = [i["src"] for i in images if len(i["alt"]) < 20]
    assert not no_alt, f"images without alt text: {no_alt}"

    # accessibility: axe-core's audit, no serious or critical violation, on either theme
    page.add_script_tag(path=str(AXE))
    for theme in ("light", "dark"):
        page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
        violations = page.evaluate("""async () => (await axe.run(document,
            {resultTypes: ['violations']})).violations.filter(v =>
            ['serious', 'critical'].includes(v.impact)).map(v =>
            `${v.id} (${v.impact}): ${v.help}; ${v.nodes.length} nodes, e.g. ` +
            v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(' | '))""")
        assert not violations, f"{theme} theme:\n" + "\n".join(violations)
    page.close()


def test_figures_are_opaque():
    """A figure with a transparent background would show its dark text on the dark theme."""
    import matplotlib.image
    figures = sorted((HTML / "_images").glob("*.png"))
    assert figures
    transparent = [f.name for f in figures
                   if (pixels := matplotlib.image.imread(f)).shape[-1] == 4
                   and pixels[..., 3].min() < 1]
    assert not transparent, transparent


@functools.cache
def anchors_of(path):
    """The ids a page of the site defines."""
    return set(re.findall(r'\bid="([^"]+)"', path.read_text()))


def test_internal_links_resolve():
    broken = []
    for name in PAGES:
        source = HTML / name
        for href in re.findall(r'\bhref="([^"]+)"', source.read_text()):
            parts = urlsplit(href)
            if parts.scheme or href.startswith("//"):
                continue
            target = (source.parent / unquote(parts.path)).resolve() if parts.path else source
            if not target.exists():
                broken.append(f"{name}: {href} (no such file)")
            elif parts.fragment and target.suffix == ".html" \
                    and unquote(parts.fragment) not in anchors_of(target):
                broken.append(f"{name}: {href} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_every_lesson_is_reachable_from_the_home_page():
    home = (HTML / "index.html").read_text()
    for lesson in LESSONS:
        assert f'href="notebooks/{lesson}.html"' in home, f"the home page does not link {lesson}"
        page = (HTML / "notebooks" / f"{lesson}.html").read_text()
        assert re.search(r'href="\.\./index\.html"', page), f"{lesson} has no way back home"


def test_search_finds_a_known_term(browser):
    page, problems = open_page(browser, (HTML / "search.html").as_uri() + "?q=backpropagation")
    page.wait_for_selector("#search-results li")
    found = page.evaluate("() => [...document.querySelectorAll('#search-results li a')]"
                          ".map(a => a.getAttribute('href'))")
    assert not problems, problems
    assert any("04_backpropagation" in href for href in found), found


def test_the_pdf_holds_every_lesson_figure_and_formula():
    pypdf = pytest.importorskip("pypdf")
    assert PDF.exists(), "no PDF: build it with `make pdf`"
    reader = pypdf.PdfReader(PDF)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for lesson in LESSONS:
        number = int(lesson[:2])
        assert f"Lesson {number}:" in text, f"lesson {number} is missing from the PDF"
    # code keeps its TeX (matplotlib labels): look for the delimiters Sphinx puts around maths,
    # which MathJax replaces
    raw = sorted(set(re.findall(r"\\[(\[]", text)))
    assert not raw, f"maths left untypeset in the PDF: {raw}"
    figures = 0
    for page in reader.pages:
        objects = page.get("/Resources", {}).get("/XObject", {})
        figures += sum(objects[k].get_object().get("/Subtype") == "/Image" for k in objects)
    notebooks = [json.loads((ROOT / "notebooks" / f"{lesson}.ipynb").read_text())
                 for lesson in LESSONS]
    stored = sum("image/png" in output.get("data", {}) for nb in notebooks
                 for cell in nb["cells"] for output in cell.get("outputs", []))
    assert figures >= stored, f"{figures} images in the PDF, {stored} figures in the lessons"
    internal = [a for page in reader.pages for a in (page.get("/Annots") or [])
                if a.get_object().get("/Dest") is not None
                or a.get_object().get("/A", {}).get("/S") == "/GoTo"]
    assert len(internal) > 100, f"only {len(internal)} internal links in the PDF"


def test_the_pdf_outline_lists_each_lesson_by_its_title():
    pypdf = pytest.importorskip("pypdf")
    outline = pypdf.PdfReader(PDF).outline
    top = [item.title for item in outline if not isinstance(item, list)]
    for lesson in LESSONS:
        cells = json.loads((ROOT / "notebooks" / f"{lesson}.ipynb").read_text())["cells"]
        title = "".join(cells[0]["source"]).splitlines()[0].removeprefix("# ")
        assert title in top, f"{title!r} is not a top-level entry of the PDF's outline: {top}"

    def titles(items):
        for item in items:
            yield from titles(item) if isinstance(item, list) else [item.title]
    doubled = [t for t in titles(outline) if t[:len(t) // 2] * 2 == t]
    assert not doubled, f"titles written twice in the PDF's outline: {doubled}"
