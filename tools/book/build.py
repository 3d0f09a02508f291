"""Build the book: the lessons as a website, and the whole series as one PDF, from the notebooks'
stored outputs (nothing is re-executed).

Usage: python tools/book/build.py [--pdf]

The pages are first staged in build/book/src: the README's introduction and lesson table become
the home page, its set-up and the rest of it two more pages; the lessons and docs/ are copied with
their links rewritten to point at pages of the site (or, for the repository's other files, at the
repository); each lesson gets a bar of downloads (the notebook, its student edition) and the link
to run it on a hosted notebook service; each figure gets the alt text stored in its cell's
metadata ("alt"); the answers are folded away until opened. Sphinx with MyST-NB then writes the
site into build/book/html. With --pdf, Sphinx first writes the whole series as one page, which
Chromium prints into build/book/neural-networks-from-scratch.pdf once MathJax has typeset it (its
outline then mended by tidy_outline), and the website's home page offers the PDF.

Sphinx + MyST-NB, rather than Jupyter Book 2 (mystmd), because it works fully offline: Jupyter
Book 2 fetches its page theme from the web at build time. MathJax comes from the npm registry
(tools/book/package.json, installed by `make book`) and is copied into the site, so the maths
typesets with no network at all.
"""

import functools
import html.parser
import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import tomllib

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
OUT = ROOT / "build" / "book"
SRC = OUT / "src"
PDF = OUT / "neural-networks-from-scratch.pdf"
MATHJAX = HERE / "node_modules" / "mathjax" / "es5"

REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
DOCS = ["notation.md", "answers.md", "teaching.md"]

# The README in three pages: (page, title, the README's "## " sections it takes, by heading).
README_PAGES = [
    ("index.md", None, ["The lessons"]),
    ("setup.md", "Set-up and self-study", ["Set-up: two commands", "Studying on your own"]),
    ("about.md", "The library, the results and the data", None),  # None: every other section
]


# ----- links -------------------------------------------------------------------------------------

def slug(heading):
    """The anchor GitHub and MyST give a heading: lower case, punctuation dropped, spaces to -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def readme_sections():
    """The README as its preamble (title and introduction) and its "## " sections, in order."""
    preamble, *sections = re.split(r"^(?=## )", (ROOT / "README.md").read_text(), flags=re.M)
    return preamble, [(s.splitlines()[0][3:].strip(), s) for s in sections]


@functools.cache
def readme_anchor_pages():
    """Which staged page each anchor of the README (a heading's slug) lands on."""
    _, sections = readme_sections()
    pages = {}
    for heading, text in sections:
        page = next((p for p, _, taken in README_PAGES if taken and heading in taken), "about.md")
        for line in text.splitlines():
            if line.startswith("#"):
                pages[slug(line.lstrip("#"))] = page
    return pages


def staged_path(repo_path, anchor=""):
    """Where the page for a repository file lands in the site (relative to src), or None if the
    file is not a page of the site."""
    if repo_path == "README.md":
        return readme_anchor_pages().get(anchor, "index.md") if anchor else "index.md"
    if repo_path.startswith("notebooks/") and repo_path[len("notebooks/"):] in LESSONS:
        return repo_path
    if repo_path.startswith("docs/") and repo_path[len("docs/"):] in DOCS:
        return repo_path
    return None


def page_title(repo_path):
    """The title a page of the site shows (its first heading), or the home page's name."""
    if repo_path == "README.md":
        return "the home page"
    text = (ROOT / repo_path).read_text()
    if repo_path.endswith(".ipynb"):
        text = nbformat.reads(text, as_version=4).cells[0].source
    return next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))


def page_labels(text, origin):
    """A link whose label is the file's name, such as [docs/teaching.md](docs/teaching.md), gets
    the page's title as its label; "(README)" is dropped from labels: on the site it is a page."""
    def fix(match):
        label, target = match.groups()
        path = target.partition("#")[0]
        resolved = (ROOT / Path(origin).parent / path).resolve()
        if label.strip("`") == path and resolved.is_file():
            repo_path = resolved.relative_to(ROOT).as_posix()
            if staged_path(repo_path):
                label = page_title(repo_path)
        return f"[{label.replace(' (README)', '')}]({target})"
    return re.sub(r"\[([^\[\]]*)\]\(([^)\s]+)\)", fix, text)


def rewrite_links(text, origin, page):
    """Point the Markdown links of `text` (a file at `origin` in the repository, staged as `page`)
    at the site's pages, or at the repository for files that are not pages. A link to a file
    that does not exist is an error."""
    def fix(match):
        target = match.group(2)
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            return match.group(0)
        path, _, anchor = target.partition("#")
        resolved = (ROOT / Path(origin).parent / path).resolve()
        if not resolved.exists():
            raise SystemExit(f"{origin}: the link {target!r} points at a file that does not exist")
        repo_path = resolved.relative_to(ROOT).as_posix()
        staged = staged_path(repo_path, anchor)
        if staged is None:
            kind = "tree" if resolved.is_dir() else "blob"
            new = f"{REPOSITORY}/{kind}/main/{repo_path}" + (f"#{anchor}" if anchor else "")
        else:
            depth = len(Path(page).parent.parts)
            new = "../" * depth + staged + (f"#{anchor}" if anchor else "")
        return f"{match.group(1)}{new}{match.group(3)}"
    return re.sub(r"(\]\()([^)\s]+)(\))", fix, page_labels(text, origin))


def separate_display_maths(text):
    """Blank lines around each $$ ... $$ block. MyST reads a display formula that shares its
    paragraph with text, and spans lines, as text (JupyterLab and GitHub accept it)."""
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        if not lines[i].lstrip().startswith("$$"):
            out.append(lines[i])
            i += 1
            continue
        end = i if lines[i].lstrip()[2:].count("$$") else next(
            (j for j in range(i + 1, len(lines)) if "$$" in lines[j]), i)
        if out and out[-1].strip():
            out.append("")
        out.extend(lines[i:end + 1])
        if end + 1 < len(lines) and lines[end + 1].strip():
            out.append("")
        i = end + 1
    return "\n".join(out)


def site_markdown(text, origin, page):
    """Markdown from the repository file `origin`, made ready to be the site's `page`."""
    return separate_display_maths(rewrite_links(text, origin, page))


# ----- pages -------------------------------------------------------------------------------------

TOCTREES = """
```{{toctree}}
:hidden:
:caption: Start here

setup
```

```{{toctree}}
:hidden:
:caption: Lessons

{lessons}
```

```{{toctree}}
:hidden:
:caption: Reference

docs/notation
docs/answers
docs/teaching
about
```
"""


PDF_LINK = """
The whole series is also one PDF, for print or for reading offline:
{{download}}`{name} <downloads/{name}>`.
"""


def stage_readme(pdf):
    preamble, sections = readme_sections()
    claimed = {h for _, _, taken in README_PAGES if taken for h in taken}
    for page, title, taken in README_PAGES:
        chosen = [text for heading, text in sections
                  if (heading in taken if taken else heading not in claimed)]
        head = preamble if title is None else f"# {title}\n\n"
        text = head + "".join(chosen)
        if page == "index.md":
            lessons = "\n".join(f"notebooks/{name[:-6]}" for name in LESSONS)
            text += PDF_LINK.format(name=PDF.name) if pdf else ""
            text += TOCTREES.format(lessons=lessons)
        (SRC / page).write_text(site_markdown(text, "README.md", page))


def fold_answers(text):
    """Each answer ("- **Exercise N.** ...", up to the next bullet or heading) in a closed
    dropdown, so that a reader opens it only after trying."""
    out, answer = [], None

    def close():
        if answer is not None:
            out.extend([f":::{{dropdown}} {answer[0]}", *answer[1], ":::", ""])

    for line in text.splitlines():
        start = re.match(r"- \*\*(Exercise [^*]+?)\.?\*\*\s*(.*)", line)
        if start:
            close()
            answer = (start.group(1), [start.group(2)])
        elif answer is not None and (line.startswith("  ") or not line.strip()):
            answer[1].append(line[2:])
        else:
            close()
            answer = None
            out.append(line)
    close()
    return "\n".join(out) + "\n"


def stage_docs():
    (SRC / "docs").mkdir()
    for name in DOCS:
        page = f"docs/{name}"
        text = site_markdown((ROOT / page).read_text(), page, page)
        if name == "answers.md":
            text = fold_answers(text)
        (SRC / page).write_text(text)


def student_name(name):
    """The student edition's file name: the lesson's, marked, so that the two downloads differ."""
    return name.replace(".ipynb", "_student.ipynb")


def download_bar(name):
    """The lesson's downloads and the way to run it online, as a Markdown cell."""
    owner_name = REPOSITORY.removeprefix("https://github.com/")
    colab = f"https://colab.research.google.com/github/{owner_name}/blob/main/notebooks/{name}"
    return nbformat.v4.new_markdown_cell(
        f"```{{container}} download-bar\n"
        f"**This lesson as a notebook**: {{download}}`the full lesson <../downloads/{name}>` "
        f"(solutions and outputs) · {{download}}`the student edition "
        f"<../downloads/{student_name(name)}>` (exercises to "
        f"do) · [open it in Colab]({colab}) (the lesson's first code cell then installs nnlib; "
        f"see [the set-up](../setup.md#set-up-two-commands) to run it on your own machine)\n```")


def stage_lessons():
    (SRC / "notebooks").mkdir()
    for name in LESSONS:
        page = f"notebooks/{name}"
        nb = nbformat.read(ROOT / page, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = site_markdown(cell.source, page, page)
            elif "alt" in cell.metadata:
                cell.metadata["mystnb"] = {"image": {"alt": cell.metadata["alt"]}}
        nb.cells.insert(1, download_bar(name))
        nbformat.write(nb, SRC / page)
    # to download beside each lesson: the notebook as it is in the repository, and its student
    # edition
    downloads, student = SRC / "downloads", OUT / "student"
    downloads.mkdir()
    shutil.rmtree(student, ignore_errors=True)
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_student.py"), "--out",
                    str(student), *[str(ROOT / "notebooks" / n) for n in LESSONS]],
                   check=True, stdout=subprocess.DEVNULL)
    for name in LESSONS:
        shutil.copy(ROOT / "notebooks" / name, downloads / name)
        shutil.copy(student / name, downloads / student_name(name))


def stage(pdf=False):
    """Stage the pages in SRC; with pdf=True the home page offers the PDF, copied beside it."""
    if not MATHJAX.is_dir():
        raise SystemExit(f"MathJax not found in {MATHJAX}: run `npm ci` in tools/book "
                         "(`make book` does)")
    shutil.rmtree(SRC, ignore_errors=True)
    SRC.mkdir(parents=True)
    shutil.copy(HERE / "conf.py", SRC / "conf.py")
    shutil.copytree(MATHJAX, SRC / "_static" / "mathjax")
    shutil.copy(HERE / "book.css", SRC / "_static" / "book.css")
    stage_readme(pdf)
    stage_docs()
    stage_lessons()
    if pdf:
        shutil.copy(PDF, SRC / "downloads" / PDF.name)


def sphinx(builder):
    shutil.rmtree(OUT / builder, ignore_errors=True)  # no page or figure left from an old build
    subprocess.run([sys.executable, "-m", "sphinx", "-b", builder, "-W", "--keep-going", "-q",
                    str(SRC), str(OUT / builder)], check=True)


def print_pdf():
    """Chromium prints the one-page build, once MathJax has typeset every formula."""
    from playwright.sync_api import sync_playwright
    page_file = OUT / "singlehtml" / "index.html"
    tmp = PDF.with_suffix(".pdf.tmp")
    with sync_playwright() as p:
        # the machine's Chromium (Debian: chromium); else Playwright's own, if it was installed
        system = shutil.which("chromium") or shutil.which("chromium-browser")
        browser = p.chromium.launch(executable_path=system)
        page = browser.new_page()
        page.set_default_timeout(600_000)  # the whole book is one page: a busy machine needs time
        page.goto(page_file.as_uri(), wait_until="load")
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("MathJax.startup.promise")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.emulate_media(media="print")
        margins = {"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"}
        page.pdf(path=str(tmp), format="A4", scale=0.8, margin=margins, print_background=True,
                 outline=True, tagged=True)
        browser.close()
    tidy_outline(tmp, headings(page_file))
    tmp.replace(PDF)


class _Headings(html.parser.HTMLParser):
    """The text of each h1-h6 of a page, in order, without the heading's link mark, as pieces
    ("text" or "maths", text): Sphinx puts maths in `math` spans, as TeX."""

    def __init__(self):
        super().__init__()
        self.found, self.heading, self.in_link_mark, self.in_maths = [], None, False, False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if re.fullmatch(r"h[1-6]", tag):
            self.heading = []
        elif self.heading is not None and tag == "a" and "headerlink" in classes:
            self.in_link_mark = True
        elif self.heading is not None and tag == "span" and "math" in classes:
            self.in_maths = True

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag) and self.heading is not None:
            self.found.append(self.heading)
            self.heading = None
        elif tag == "a":
            self.in_link_mark = False
        elif tag == "span":
            self.in_maths = False

    def handle_data(self, data):
        if self.heading is not None and not self.in_link_mark:
            self.heading.append(("maths" if self.in_maths else "text", data))


def headings(page_file):
    """The headings of an HTML file, as _Headings finds them."""
    parser = _Headings()
    parser.feed(page_file.read_text())
    return parser.found


def tidy_outline(pdf, page_headings):
    """Chromium's outline, mended. It takes each title from the printed lines of its heading, so
    a heading set on two lines loses the space between them ("readinghandwritten"), some come
    twice ("SummarySummary") and maths is left out: each title is replaced by the text of its
    heading in the page, found in order (its TeX as plain text). And the README's
    "The lessons" heading, which holds the whole series, gives way to its entries: the book's
    title, then each of its pages a top-level entry, closed."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import Fit

    def key(text):  # what Chromium keeps of a title: no maths, no spaces
        return re.sub(r"\s", "", text)

    def plain(tex):  # \(\sqrt{d_h}\) -> √d_h, \(\log 0\) -> log 0
        return re.sub(r"\\[()]|[{}\\]", "", tex.replace("\\sqrt", "√"))

    queue = [("".join(t for kind, t in h if kind == "text"),
              "".join(t if kind == "text" else plain(t) for kind, t in h)) for h in page_headings]

    def title(chromium):
        kept = key(chromium)
        for i, (without_maths, text) in enumerate(queue):
            if key(without_maths) in (kept, kept[:len(kept) // 2]):  # (or written twice)
                del queue[:i + 1]
                return re.sub(r"\s+", " ", text).strip()
        return chromium

    # (pypdf warns that Chromium's trailer counts fewer objects than the file holds; it reads
    # them all, and writes a correct trailer)
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(pdf)

    def tree(outline):  # [(title, destination, children)]
        nodes = []
        for item in outline:
            if isinstance(item, list):
                nodes[-1][2].extend(tree(item))
            else:
                nodes.append((title(item.title), item, []))
        return nodes

    top = tree(reader.outline)
    if len(top) == 1 and [t for t, _, _ in top[0][2]] == ["The lessons"]:
        top = [(top[0][0], top[0][1], [])] + top[0][2][0][2]
    writer = PdfWriter(clone_from=reader)
    del writer.root_object["/Outlines"]

    def add(nodes, parent=None):
        for text, destination, children in nodes:
            fit = Fit.xyz(destination.get("/Left"), destination.get("/Top"))
            entry = writer.add_outline_item(
                title=text, page_number=reader.get_destination_page_number(destination),
                parent=parent, fit=fit, is_open=parent is not None)
            add(children, entry)
    add(top)
    writer.page_mode = "/UseOutlines"  # a reader opens the PDF with the outline shown
    writer.write(pdf)


def main(argv):
    stage()
    if "--pdf" in argv:  # the PDF first, so that the website can offer it
        sphinx("singlehtml")
        print_pdf()
        print(f"the PDF: {PDF.relative_to(ROOT)}")
        stage(pdf=True)
    sphinx("html")
    print(f"the website: {(OUT / 'html' / 'index.html').relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
