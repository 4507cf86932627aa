"""Sphinx configuration for skae's documentation."""

import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))  # _tables, which the benchmarks page's tables and plots use
os.environ.setdefault("MPLBACKEND", "Agg")

import _tables  # noqa: E402

import skae  # noqa: E402

project = "skae"
author = "the skae developers"
copyright = "2026, the skae developers"
release = version = skae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
]
# figures drawn from benchmarks/results/*.json at build time (no training in the docs build)
plot_working_directory = str(HERE)
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 90)]

autosummary_generate = True
# document every method, those inherited from scikit-learn's mixins too
autodoc_default_options = {
    "members": True,
    "inherited-members": True,
    "exclude-members": "set_fit_request,set_partial_fit_request,set_score_request,"
                       "set_predict_request,set_transform_request,set_inverse_transform_request",
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "examples/README.rst"]
html_theme = "pydata_sphinx_theme"
html_title = "skae"
# no left sidebar anywhere (the pages are few; the header links to each): code blocks and
# the benchmarks page's tables get the width at 1280 px
html_sidebars = {"**": []}
html_theme_options = {"header_links_before_dropdown": 8, "navbar_align": "left",
                      "navbar_end": ["navbar-icon-links"]}
html_static_path = ["_static"]
html_css_files = ["skae.css"]
intersphinx_mapping = {}  # no network at build time

# Methods inherited from scikit-learn (fit_transform, set_output, get_params, ...) are listed
# on the API pages with scikit-learn's docstrings. Their :ref: roles point into scikit-learn's
# own docs, which this build cannot resolve offline: the known ones become links to
# scikit-learn's site, any other becomes its plain text.
SKLEARN_REFS = {
    "df_output_transform": "https://scikit-learn.org/stable/user_guide.html",
    "sphx_glr_auto_examples_miscellaneous_plot_set_output.py":
        "https://scikit-learn.org/stable/auto_examples/miscellaneous/plot_set_output.html",
    "metadata_routing": "https://scikit-learn.org/stable/metadata_routing.html",
    "r2_score": "https://scikit-learn.org/stable/modules/model_evaluation.html#r2-score",
}
_REF = re.compile(r":ref:`(?:([^`<]*?)\s*<([^`>]+)>|([^`<]+))`")


def _link_sklearn_refs(app, what, name, obj, options, lines):
    if not (getattr(obj, "__module__", None) or "").startswith("sklearn."):
        return

    def link(match):
        label = match.group(2) or match.group(3)
        text = match.group(1) or ("an example" if label.startswith("sphx_glr") else label)
        if label == "df_output_transform":
            text = "scikit-learn " + text
        url = SKLEARN_REFS.get(label)
        return f"`{text} <{url}>`__" if url else text

    lines[:] = [_REF.sub(link, line) for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _link_sklearn_refs)

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"plot_",
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
}


_tables.render()
