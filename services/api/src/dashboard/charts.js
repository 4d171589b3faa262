// Dashboard charts on uPlot (served from the API's own origin, no CDN). uPlot spaces its axis
// ticks by measured label width, so x labels never overlap; every chart with more than one series
// has a legend. Each chart element keeps the data it drew in `el.chartData` (for tests and tooling).
import uPlot from '/dashboard/vendor/uPlot.esm.js';

const PALETTE = ['#3b73c8', '#c8553b', '#2e8b57', '#8a5cc8', '#c89b3b', '#3b9ec8', '#c83b8a', '#6b7785'];
const HEIGHT = 220;

const charts = new Map();

function widthOf(el) {
  return Math.max(280, Math.floor(el.getBoundingClientRect().width || el.parentElement?.clientWidth || 400));
}

function empty(el) {
  charts.get(el)?.destroy();
  charts.delete(el);
  el.chartData = { series: [] };
  el.innerHTML = '<p class="empty">no data yet</p>';
}

function draw(el, opts, data) {
  charts.get(el)?.destroy();
  el.innerHTML = '';
  const chart = new uPlot({ width: widthOf(el), height: HEIGHT, ...opts }, data, el);
  charts.set(el, chart);
}

/**
 * A time series: `times` in epoch seconds (one per bucket, gaps already filled), `series` of
 * `{label, values, color?, format?}` with one value per time (null: no value, drawn as a gap).
 */
export function timeSeries(el, { times, series, yFormat = (v) => String(v) }) {
  if (!times.length) return empty(el);
  el.chartData = { times, series: series.map((s) => ({ label: s.label, values: s.values })) };
  draw(
    el,
    {
      legend: { show: series.length > 1 },
      cursor: { points: { size: 6 } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [{ space: 70 }, { size: 64, values: (_u, ticks) => ticks.map(yFormat) }],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? PALETTE[i % PALETTE.length],
          width: 2,
          spanGaps: false,
          points: { show: times.length <= 60, size: 4 },
          value: (_u, v) => (v === null || v === undefined ? '–' : (s.format ?? yFormat)(v)),
        })),
      ],
    },
    [times, ...series.map((s) => s.values)],
  );
}

/**
 * Grouped bars over categories: `categories` are labels, `series` of `{label, values}` with one
 * value per category. The legend names each series; the x axis names the categories, thinned to
 * one label per ~48 px so they never overlap.
 */
export function barChart(el, { categories, series, xLabel = '' }) {
  if (!categories.length || !series.length) return empty(el);
  el.chartData = { categories, series: series.map((s) => ({ label: s.label, values: s.values })) };
  // One x position per (category, series): series g of category c sits at c - 0.4 + w * (g + 0.5).
  const w = 0.8 / series.length;
  const xs = [];
  const columns = series.map(() => []);
  categories.forEach((_, c) => {
    series.forEach((s, g) => {
      xs.push(c - 0.4 + w * (g + 0.5));
      for (let k = 0; k < series.length; k++) columns[k].push(k === g ? (s.values[c] ?? 0) : null);
    });
  });
  const step = Math.max(1, Math.ceil((categories.length * 48) / widthOf(el)));
  const long = categories.some((c) => String(c).length > 6);
  draw(
    el,
    {
      legend: { show: true },
      cursor: { points: { show: false } },
      scales: { x: { time: false, range: [-0.6, categories.length - 0.4] }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        {
          label: xLabel || undefined,
          splits: () => categories.map((_, c) => c).filter((c) => c % step === 0),
          values: (_u, ticks) => ticks.map((t) => String(categories[t] ?? '')),
          rotate: long ? -30 : 0,
          size: long ? 80 : 36,
          grid: { show: false },
        },
        { size: 48 },
      ],
      series: [
        { label: xLabel || 'category', value: (_u, v) => (v === null || v === undefined ? '–' : String(categories[Math.round(v)] ?? '–')) },
        ...series.map((s, g) => ({
          label: s.label,
          fill: s.color ?? PALETTE[g % PALETTE.length],
          stroke: s.color ?? PALETTE[g % PALETTE.length],
          width: 0,
          points: { show: false },
          paths: uPlot.paths.bars({ size: [0.9, 80] }),
        })),
      ],
    },
    [xs, ...columns],
  );
}

/** Charts follow their container's width. */
addEventListener('resize', () => {
  for (const [el, chart] of charts) chart.setSize({ width: widthOf(el), height: HEIGHT });
});

/**
 * The full time axis of a bucketed series: every bucket from the first to `until` (epoch seconds),
 * missing buckets filled with `fill` so a quiet minute shows as zero, not as a straight line.
 */
export function fillBuckets(points, bucketSeconds, until, fill) {
  if (!points.length) return [];
  const byStart = new Map(points.map((p) => [Math.floor(Date.parse(p.at) / 1000), p]));
  const first = Math.min(...byStart.keys());
  const last = Math.max(Math.max(...byStart.keys()), Math.floor(until / bucketSeconds) * bucketSeconds);
  const out = [];
  for (let t = first; t <= last; t += bucketSeconds) out.push(byStart.get(t) ?? { ...fill, at: new Date(t * 1000).toISOString() });
  return out;
}
