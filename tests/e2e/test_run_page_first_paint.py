"""Browser tests for the run page's first paint (issue 17): the Metrics tab's first
screen is drawn on a canvas without Plotly; a chart switches to Plotly, with the same
data and the same look, when the pointer enters it; live points grow a canvas chart."""

import pytest
from playwright.sync_api import expect

from tests.helpers.clients import token_session
from tests.runs.run_page_data import make_full_run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ACCURACY = [i / 50 for i in range(50)]

# How many pixels of a chart's canvas are drawn (not transparent).
INKED_PIXELS = """(canvas) => {
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  let inked = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i]) inked += 1;
  return inked;
}"""


def _open_metrics(page, run):
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{page.base_url}/runs/{run.hash}/metrics/")
    expect(page.locator(".chart-card[data-loaded=true]")).to_have_count(3)


def _plotly_loaded(page) -> bool:
    return page.evaluate("() => window.Plotly !== undefined")


def test_the_first_screen_is_drawn_on_canvas_without_plotly(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user)
    _open_metrics(page, run)
    plots = page.locator(".chart-card .series-plot")
    expect(plots).to_have_count(3)
    for index in range(3):
        expect(plots.nth(index)).to_have_attribute("data-drawn", "canvas")
        canvas = plots.nth(index).locator("canvas.series-canvas")
        assert canvas.evaluate(INKED_PIXELS) > 500  # axes labels, grid and the line
    # Once idle, the bundle is fetched into the cache, but it does not run.
    expect(page.locator("link[data-plotly-prefetch]")).to_have_count(1)
    assert page.locator("script[data-plotly]").count() == 0
    assert not _plotly_loaded(page)
    assert page.locator(".chart-card .main-svg").count() == 0


def test_hover_switches_a_chart_to_plotly_with_the_same_data(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user)
    _open_metrics(page, run)
    accuracy = page.locator('.chart-card[data-metric="accuracy"] .series-plot')
    canvas_box = accuracy.locator("canvas").bounding_box()
    accuracy.hover(position={"x": 300, "y": 100})
    expect(accuracy).to_have_attribute("data-drawn", "plotly")
    expect(accuracy.locator("canvas.series-canvas")).to_have_count(0)
    assert _plotly_loaded(page)
    traces = accuracy.evaluate(
        "(plot) => plot.data.map((trace) => [trace.type, trace.x, trace.y])"
    )
    assert traces == [["scatter", list(range(50)), ACCURACY]]
    # The same place on the page: the plot area Plotly drew is where the canvas was.
    plot_box = accuracy.locator(".main-svg").first.bounding_box()
    assert plot_box["height"] == pytest.approx(canvas_box["height"], abs=1)
    assert plot_box["y"] == pytest.approx(canvas_box["y"], abs=1)
    ticks = accuracy.locator(".xtick text").all_text_contents()
    assert ticks[:2] == ["0", "5"] or ticks[:2] == ["0", "10"]
    # The other charts stay on their canvas.
    loss = page.locator('.chart-card[data-metric="loss"] .series-plot').first
    expect(loss).to_have_attribute("data-drawn", "canvas")
    # Plotly's own hover label now answers the pointer, over the point at step 25.
    x, y = accuracy.evaluate(
        """(plot) => {
            const { _size: size, xaxis, yaxis } = plot._fullLayout;
            const box = plot.getBoundingClientRect();
            return [box.x + size.l + xaxis.l2p(25), box.y + size.t + yaxis.l2p(0.5)];
        }"""
    )
    page.mouse.move(x - 3, y)
    page.mouse.move(x, y)
    expect(accuracy.locator(".hoverlayer .hovertext")).to_have_count(1)


def test_live_points_arrive_on_a_canvas_drawn_chart(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user)
    _open_metrics(page, run)
    card = page.locator('.chart-card[data-metric="accuracy"]')
    plot = card.locator(".series-plot")
    expect(card).to_have_attribute("data-points", "50")
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    before = plot.locator("canvas").evaluate("(canvas) => canvas.toDataURL()")
    points = {"name": "accuracy", "steps": [50, 51], "values": [1, 0]}
    answer = token_session(page.user).post(
        f"{page.base_url}/api/v1/runs/{run.hash}/track",
        json={"seq": 9, "metrics": [points]},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    expect(card).to_have_attribute("data-points", "52")
    expect(plot).to_have_attribute("data-drawn", "canvas")
    assert plot.locator("canvas").evaluate("(canvas) => canvas.toDataURL()") != before
    assert not _plotly_loaded(page)
    # Plotly takes over with the grown line.
    plot.hover(position={"x": 300, "y": 100})
    expect(plot).to_have_attribute("data-drawn", "plotly")
    x, y = plot.evaluate("(plot) => [plot.data[0].x, plot.data[0].y]")
    assert x == list(range(52))
    assert y == [*ACCURACY, 1, 0]


# The canvas and Plotly draw one spec each; their plot areas and tick labels must
# agree, or the take-over would jump. Ranges: small, large (exponent and SI
# suffixes), negative, a unit suffix, and wall-clock dates over a minute and a week.
COMPARE_LAYOUTS = """async (specs) => {
  const { createCanvasView } = await import("/static/js/lib/series_canvas.js");
  const { createSeriesChart } = await import("/static/js/lib/series_chart.js");
  const results = [];
  for (const spec of specs) {
    for (const line of spec.lines) {
      if (spec.xAxis.type === "date") line.x = line.x.map((seconds) => new Date(seconds * 1000));
    }
    const box = document.createElement("div");
    box.style.width = "560px";
    document.body.append(box);
    const view = createCanvasView(box, { height: 260, margin: { l: 60, r: 16, t: 10, b: 44 } });
    const canvas = await view.render({ bands: [], yAxis: {}, ...spec }, spec.lines.map(() => 1));
    view.remove();
    const chart = createSeriesChart(box, { height: 260, svgMaxPoints: 4000 });
    await chart.draw(spec);
    const size = chart.element._fullLayout._size;
    const texts = (selector) => [...box.querySelectorAll(selector)].map((text) =>
      [...text.querySelectorAll("tspan.line")].map((line) => line.textContent).join(" ") || text.textContent);
    results.push({
      canvas: [canvas.box.left, canvas.box.top, canvas.box.width, canvas.box.height, canvas.xLabels, canvas.yLabels],
      plotly: [size.l, size.t, size.w, size.h, texts(".xtick text"), texts(".ytick text")],
    });
    chart.destroy();
    box.remove();
  }
  return results;
}"""


def _line(x, y):
    return {"id": "a", "x": x, "y": y, "color": "#1473e6"}


LAYOUT_SPECS = [
    {
        "lines": [_line([0, 1, 2, 3], [0.00012, 0.00031, 0.00008, 0.0002])],
        "xAxis": {"title": "step"},
    },
    {
        "lines": [_line([0, 50_000, 120_000], [2e6, 7.5e6, 1.2e6])],
        "xAxis": {"title": "step"},
    },
    {
        "lines": [_line([-5, 0, 5], [-3.5, 1.25, -0.5])],
        "xAxis": {},
        "yAxis": {"suffix": " %"},
    },
    {
        "lines": [
            _line(
                [1.7e9 + s for s in range(0, 60, 5)],
                [1, 3, 2, 5, 4, 6, 5, 7, 6, 8, 7, 9],
            )
        ],
        "xAxis": {"type": "date", "title": "time"},
    },
    {
        "lines": [
            _line([1.7e9 + d * 86400 for d in range(8)], [1, 2, 3, 4, 5, 6, 7, 8])
        ],
        "xAxis": {"type": "date"},
    },
]


def test_the_canvas_lays_out_axes_as_plotly_does(signed_in_page):
    page = signed_in_page
    run = make_full_run(page.user)
    _open_metrics(page, run)
    for result in page.evaluate(COMPARE_LAYOUTS, LAYOUT_SPECS):
        *canvas_box, canvas_x, canvas_y = result["canvas"]
        *plotly_box, plotly_x, plotly_y = result["plotly"]
        assert canvas_box == pytest.approx(plotly_box, abs=2)
        assert (canvas_x, canvas_y) == (plotly_x, plotly_y)


# Drag-to-zoom before Plotly has drawn: the bundle is held back until released.
PLOTLY_BUNDLE = "**/vendor/plotly/plotly-partial*"


def _hold_plotly(page):
    """Holds every request for Plotly's bundle until the returned function is called."""
    held = []

    def hold(route):
        if held is None:
            route.continue_()
        else:
            held.append(route)

    page.route(PLOTLY_BUNDLE, hold)

    def release():
        nonlocal held
        routes, held = held, None
        for route in routes:
            route.continue_()

    return release


def _drag(page, start, stop):
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*stop, steps=6)


def _canvas_image(plot):
    return plot.locator("canvas.series-canvas").evaluate("(c) => c.toDataURL()")


# The plot area on the page and the axes' ranges as Plotly holds them (x as numbers:
# a date as milliseconds of local wall time).
PLOTLY_AXES = """(plot) => {
  const { _size: size, xaxis, yaxis } = plot._fullLayout;
  const box = plot.getBoundingClientRect();
  return {
    left: box.x + size.l, top: box.y + size.t, width: size.w, height: size.h,
    x: xaxis.range.map((value) => xaxis.r2l(value)), y: yaxis.range, xRange: xaxis.range,
    xAuto: xaxis.autorange, yAuto: yaxis.autorange,
  };
}"""

IS_AUTORANGED = (
    "(plot) => plot._fullLayout.xaxis.autorange && plot._fullLayout.yaxis.autorange"
)


def _unzoomed(page, plot):
    """Plotly's own double-click: back to the first view; its axes then."""
    box = plot.bounding_box()
    page.mouse.dblclick(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(IS_AUTORANGED, arg=plot.element_handle())
    return plot.evaluate(PLOTLY_AXES)


def _dragged(axes, start, stop):
    """The x and y ranges under a drag from start to stop, on unzoomed axes."""
    x_low, x_high = axes["x"]
    y_low, y_high = axes["y"]
    xs = sorted((start[0], stop[0]))
    ys = sorted((start[1], stop[1]), reverse=True)
    return (
        [x_low + (x_high - x_low) * (x - axes["left"]) / axes["width"] for x in xs],
        [
            y_low + (y_high - y_low) * (1 - (y - axes["top"]) / axes["height"])
            for y in ys
        ],
    )


def test_a_zoom_dragged_before_plotly_has_drawn_applies_once_it_has(signed_in_page):
    page = signed_in_page
    release = _hold_plotly(page)
    run = make_full_run(page.user)
    _open_metrics(page, run)
    plot = page.locator('.chart-card[data-metric="accuracy"] .series-plot')
    box = plot.locator("canvas.series-canvas").bounding_box()
    before = _canvas_image(plot)
    start = (box["x"] + 150, box["y"] + 100)
    stop = (box["x"] + 350, box["y"] + 104)  # 4 px down: a zoom along x only
    _drag(page, start, stop)
    expect(plot.locator(".series-zoombox")).to_have_count(1)
    page.mouse.up()
    expect(plot.locator(".series-zoombox")).to_have_count(0)
    # The canvas shows the chosen range at once, while Plotly is still on its way.
    assert _canvas_image(plot) != before
    expect(plot).to_have_attribute("data-drawn", "canvas")
    assert not _plotly_loaded(page)
    release()
    expect(plot).to_have_attribute("data-drawn", "plotly")
    expect(plot.locator("canvas.series-canvas")).to_have_count(0)
    zoomed = plot.evaluate(PLOTLY_AXES)
    assert (zoomed["xAuto"], zoomed["yAuto"]) == (False, True)
    unzoomed = _unzoomed(page, plot)
    assert unzoomed["x"] == pytest.approx([0, 49])
    xs, _ = _dragged(unzoomed, start, stop)
    assert zoomed["x"] == pytest.approx(xs, abs=0.2)


def test_a_zoom_released_after_plotly_has_drawn_applies_at_once(signed_in_page):
    page = signed_in_page
    release = _hold_plotly(page)
    run = make_full_run(page.user)
    _open_metrics(page, run)
    plot = page.locator('.chart-card[data-metric="accuracy"] .series-plot')
    box = plot.locator("canvas.series-canvas").bounding_box()
    start = (box["x"] + 120, box["y"] + 40)
    stop = (box["x"] + 300, box["y"] + 150)
    _drag(page, start, stop)
    release()
    expect(plot).to_have_attribute("data-drawn", "plotly")
    # The drag is still under way: its box stays, over Plotly's plot.
    expect(plot.locator(".series-zoombox")).to_have_count(1)
    unzoomed = plot.evaluate(PLOTLY_AXES)
    page.mouse.up()
    expect(plot.locator("canvas.series-canvas")).to_have_count(0)
    expect(plot.locator(".series-zoombox")).to_have_count(0)
    zoomed = plot.evaluate(PLOTLY_AXES)
    xs, ys = _dragged(unzoomed, start, stop)
    assert zoomed["x"] == pytest.approx(xs, abs=0.2)
    assert zoomed["y"] == pytest.approx(ys, abs=0.01)


def test_a_tiny_drag_does_nothing_and_a_double_click_undoes_a_canvas_zoom(
    signed_in_page,
):
    page = signed_in_page
    release = _hold_plotly(page)
    run = make_full_run(page.user)
    _open_metrics(page, run)
    plot = page.locator('.chart-card[data-metric="accuracy"] .series-plot')
    box = plot.locator("canvas.series-canvas").bounding_box()
    before = _canvas_image(plot)
    x, y = box["x"] + 200, box["y"] + 100
    _drag(page, (x, y), (x + 6, y + 5))
    expect(plot.locator(".series-zoombox")).to_have_count(0)
    page.mouse.up()
    assert _canvas_image(plot) == before
    _drag(page, (x, y), (x + 120, y + 60))
    page.mouse.up()
    assert _canvas_image(plot) != before
    page.mouse.dblclick(x + 30, y + 30)
    assert _canvas_image(plot) == before
    release()
    expect(plot).to_have_attribute("data-drawn", "plotly")
    axes = plot.evaluate(PLOTLY_AXES)
    assert (axes["xAuto"], axes["yAuto"]) == (True, True)
    assert axes["x"] == pytest.approx([0, 49])


# A chart on a date x axis and a log y axis, drawn on its canvas at a fixed place.
DATE_LOG_CHART = """async () => {
  const { createSeriesChart } = await import("/static/js/lib/series_chart.js");
  const box = document.createElement("div");
  box.id = "zoom-probe";
  Object.assign(box.style, { position: "fixed", left: "20px", top: "20px", width: "600px", background: "#fff", zIndex: "10" });
  document.body.append(box);
  const chart = createSeriesChart(box, { height: 300, svgMaxPoints: 4000, firstPaint: "canvas" });
  const days = [0, 1, 2, 3, 4, 5, 6, 7];
  await chart.draw({
    lines: [{ id: "a", color: "#1473e6", x: days.map((day) => new Date(Date.UTC(2026, 10, 1 + day, 12))),
              y: days.map((day) => 10 ** (day * 3 / 7)) }],
    xAxis: { type: "date" }, yAxis: { type: "log" },
  });
}"""


def test_a_canvas_zoom_on_date_and_log_axes_gives_plotly_dates_and_log_units(
    signed_in_page,
):
    page = signed_in_page
    release = _hold_plotly(page)
    run = make_full_run(page.user)
    _open_metrics(page, run)
    page.evaluate(DATE_LOG_CHART)
    plot = page.locator("#zoom-probe .series-plot")
    expect(plot).to_have_attribute("data-drawn", "canvas")
    box = plot.bounding_box()
    start = (box["x"] + 200, box["y"] + 60)
    stop = (box["x"] + 420, box["y"] + 180)
    _drag(page, start, stop)
    page.mouse.up()
    release()
    expect(plot).to_have_attribute("data-drawn", "plotly")
    zoomed = plot.evaluate(PLOTLY_AXES)
    assert all(isinstance(value, str) for value in zoomed["xRange"])  # dates as dates
    unzoomed = _unzoomed(page, plot)
    # y from 1 to 1000 on a log axis: log10 units, padded by 1/18 at each end.
    assert unzoomed["y"] == pytest.approx([-3 / 18, 3 + 3 / 18])
    xs, ys = _dragged(unzoomed, start, stop)
    assert zoomed["x"] == pytest.approx(xs, abs=3600 * 1000)  # within an hour of 7 days
    assert zoomed["y"] == pytest.approx(ys, abs=0.02)


def test_unbundled_modules_draw_the_same_first_screen(page, user, tmp_path):
    # A server whose static files were never collected serves the module graph, not
    # the page's bundle (aimsite/page_bundles.py): the same page still works.
    from tests.helpers.clients import sign_in
    from tests.helpers.servers import ServerProcess

    plain = ServerProcess(extra_env={"AIMSITE_STATIC_ROOT": str(tmp_path)}).start()
    try:
        sign_in(page, plain, user)
        page.base_url = plain.url
        run = make_full_run(user)
        _open_metrics(page, run)
        modules = page.evaluate(
            "() => performance.getEntriesByType('resource').map((e) => e.name)"
            ".filter((name) => name.endsWith('.js'))"
        )
        assert any(
            name.endswith("/static/runs/js/run_tab_charts.js") for name in modules
        )
        assert not any("/bundles/" in name for name in modules)
        plots = page.locator(".chart-card .series-plot")
        for index in range(3):
            expect(plots.nth(index)).to_have_attribute("data-drawn", "canvas")
    finally:
        plain.stop()
