"""Sphinx's settings for the book; tools/book/build.py copies this file into the staged pages."""

from pathlib import Path

import tomllib

_project = tomllib.loads((Path(__file__).resolve().parents[3] / "pyproject.toml").read_text())

project = "Neural networks from scratch"
copyright = "the authors; text and figures CC BY 4.0, code MIT"
extensions = ["myst_nb", "sphinx_design"]
exclude_patterns = ["_static", "downloads", "jupyter_execute"]

# The notebooks are shown with the outputs stored in them: nothing runs while the book builds.
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3  # "#set-up-two-commands" works as on GitHub

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_css_files = ["book.css"]
html_theme_options = {
    "repository_url": _project["project"]["urls"]["Repository"],
    "use_repository_button": True,
    "show_toc_level": 2,
    "use_download_button": False,  # each lesson offers its notebook and student edition instead
    "footer_content_items": ["copyright.html"],
    "navbar_persistent": [],
}
# A real search field (labelled as it reads) instead of the theme's button that opens one
html_sidebars = {"**": ["navbar-logo.html", "search-field.html", "sbt-sidebar-nav.html"]}
html_copy_source = False  # the notebooks are offered as downloads, not as "page source"
html_context = {"default_mode": "auto"}  # light or dark, as the reader's system is set

# Search results without a summary of each page: the summary is fetched, which a browser refuses
# for pages opened from disk (file://).
html_show_search_summary = False

# MathJax 3 from the npm registry, served from the site itself: no network needed to read it.
mathjax_path = "mathjax/tex-mml-chtml.js"
