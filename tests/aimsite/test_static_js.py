"""Rules our JavaScript keeps (STYLE.md §5): one DOM builder, js/lib/dom.js, and HTML
parsed only where the server rendered or sanitised it."""

import posixpath
import re
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[2]
DOM_HELPER = "aimsite/static/js/lib/dom.js"
# Each parses HTML the server produced: dom.js's parseHtml (Django partials) and the
# notes preview (markdown rendered and sanitised by experiments/markdown).
PARSES_HTML = {DOM_HELPER, "experiments/static/experiments/js/notes.js"}

ELEMENT_BUILDER = re.compile(
    r"function\s+(el|element|h|make\w*)\s*\(\s*tag\b|\b(const|let)\s+el\s*=\s*\("
)


def _modules() -> dict[str, str]:
    modules = {
        str(path.relative_to(ROOT)): path.read_text()
        for path in ROOT.glob("*/static/**/*.js")
        if "vendor" not in path.parts
    }
    assert DOM_HELPER in modules
    return modules


def test_only_the_dom_helper_defines_an_element_builder():
    builders = [
        name for name, source in _modules().items() if ELEMENT_BUILDER.search(source)
    ]
    assert builders == [DOM_HELPER]


def test_html_is_parsed_only_from_server_rendered_fragments():
    parsing = {
        name
        for name, source in _modules().items()
        if re.search(
            r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", source
        )
    }
    assert parsing == PARSES_HTML


def test_pages_build_elements_through_the_dom_helper():
    importing = {
        name
        for name, source in _modules().items()
        if re.search(
            r'import \{[^}]*\bel\b[^}]*\} from "[./]*(js/lib/)?dom\.js"', source
        )
    }
    assert {
        "aimsite/static/js/lib/dialog.js",
        "aimsite/static/js/lib/tag_picker.js",
        "aimsite/static/js/lib/search_bar.js",
        "runs/static/runs/js/run_tab_charts.js",
        "runs/static/runs/js/run_tab_params.js",
        "runs/static/runs/js/run_sequences.js",
        "tags/static/tags/js/tag_list.js",
    } <= importing


# One line-chart component (STYLE.md §11): lib/series_chart.js draws every line chart,
# the explorers' and the run page's. Other Plotly calls draw other kinds of chart:
# a user's own logged figures (the Figures
# tab and the Figures explorer, both through media_items.js),
# a histogram and heatmap (Distributions tab), and one marker per run (Scatters
# explorer, whose trend lines are overlays on that scatter).
LINE_CHART = "aimsite/static/js/lib/series_chart.js"
OTHER_CHART_TYPES = {
    "runs/static/runs/js/media_items.js",
    "runs/static/runs/js/run_tab_distributions.js",
    "runs/static/runs/js/scatters_chart.js",
}


def test_only_the_series_chart_draws_line_charts_with_plotly():
    drawing = {
        name
        for name, source in _modules().items()
        if re.search(r"(Plotly|plotly\(\))\s*\.\s*(newPlot|react)\s*\(", source)
    }
    assert drawing - OTHER_CHART_TYPES == {LINE_CHART}
    assert drawing >= OTHER_CHART_TYPES
    # The run page's chart is an adapter over it, not a second drawing path.
    assert "createSeriesChart" in _modules()["runs/static/runs/js/run_metric_chart.js"]


def test_only_the_smoothing_module_defines_a_moving_average():
    smoothing = {
        name
        for name, source in _modules().items()
        if re.search(
            r"\bfunction\s+(smooth|smoothValues|ema|cma|\w*[mM]ovingAverage)\s*\(",
            source,
        )
    }
    assert smoothing == {"aimsite/static/js/lib/series_math.js"}


def test_every_trace_type_our_charts_draw_is_in_the_partial_plotly_bundle():
    # User figures (media_items.js) load the full bundle; every other chart draws
    # with the partial one, built from tools/plotly_partial/entry.js.
    entry = (ROOT / "tools/plotly_partial/entry.js").read_text()
    registered = {"scatter", *re.findall(r'require\("plotly\.js/lib/(\w+)"\)', entry)}
    drawn = set()
    for name, source in _modules().items():
        if name != "runs/static/runs/js/media_items.js":
            drawn |= set(
                re.findall(r'\btype:\s*"(scatter\w*|bar|heatmap|parcoords)"', source)
            )
            drawn |= set(re.findall(r'"(scattergl|scatter)"', source))
    assert drawn >= {"scatter", "scattergl", "bar", "heatmap"}
    assert drawn <= registered
    # Parallel coordinates are our own canvas now: the bundle leaves parcoords out.
    assert "parcoords" not in registered


def _imports(name: str, modules: dict[str, str]) -> set[str]:
    """Every module `name` imports, directly or through others, by repository path.
    Imports resolve in the served tree (/static/…), where every app's static/ meets."""
    served = {path.split("/static/", 1)[1]: path for path in modules}
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        folder = PurePosixPath("/", current.split("/static/", 1)[1]).parent
        for target in re.findall(
            r'^import [^;]*?from "([^"]+)"', modules[current], re.M
        ):
            path = served[posixpath.normpath(folder / target).lstrip("/")]
            if path not in seen:
                seen.add(path)
                pending.append(path)
    return seen


def test_the_params_explorer_draws_without_plotly():
    modules = _modules()
    entry = "runs/static/runs/js/params_explorer.js"
    imported = _imports(entry, modules)
    assert "runs/static/runs/js/parcoords_canvas.js" in imported
    assert "aimsite/static/js/lib/plotly.js" not in imported
    calls = re.compile(r"\bPlotly\s*\.|whenPlotly|plotly\(\)")
    assert not [name for name in {entry, *imported} if calls.search(modules[name])]
