import { barChart, fillBuckets, timeSeries } from './charts.js';
import { renderDatasetLinks, showDataset } from './dataset-view.js';
import { showPipeline, showPipelines } from './pipeline-view.js';

// Campaign dashboard: plain DOM and uPlot charts, no build step. The API token comes from the URL fragment
// (#token=...) once and is kept in sessionStorage; the fragment never reaches the server.
const params = new URLSearchParams(location.search);
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get('token')) {
  sessionStorage.setItem('rft_token', fragment.get('token'));
  history.replaceState(null, '', location.pathname + location.search);
}
const token = sessionStorage.getItem('rft_token');
// The queue board is a separate page: it authenticates with a cookie scoped to its path.
// biome-ignore lint/suspicious/noDocumentCookie: a plain path-scoped cookie is all the board needs; cookieStore adds nothing here
if (token) document.cookie = `rft_token=${encodeURIComponent(token)}; path=/admin; SameSite=Strict`;

const $ = (id) => document.getElementById(id);
const fmt = (n, digits = 0) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US', { maximumFractionDigits: digits }));
const pct = (r) => (r === null || r === undefined ? '–' : `${(r * 100).toFixed(1)}%`);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const duration = (s) => (s === null ? 'unknown' : s < 90 ? `${s}s` : s < 5400 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`);

async function api(path) {
  if (!token) throw new Error('no API token: open this page as /dashboard/?campaign=<id>#token=<your token>');
  const res = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.json();
  if (!res.ok) throw new Error(`${res.status}: ${body.error?.message ?? res.statusText}`);
  return body;
}

function showError(error) {
  $('error').hidden = false;
  $('error').textContent = String(error.message ?? error);
}

function progressTable(detail) {
  const rows = detail.stages
    .map((s) => {
      // Over everything planned: failed items leave the bar short instead of shrinking the goal.
      const planned = s.plannedSamples ?? s.expectedSamples;
      const done = planned ? s.samples / planned : 0;
      const short = (s.byStatus.failed ?? 0) > 0 ? ' short' : '';
      return (
        `<tr><td>${esc(s.stage)}</td><td><div class="bar${short}"><span style="width:${Math.min(100, done * 100).toFixed(1)}%"></span></div></td>` +
        `<td class="num">${fmt(s.samples)} / ${fmt(planned)}</td><td class="num">${fmt(s.graded)}</td><td class="num">${fmt(s.accepted)}</td>` +
        `<td class="num">${pct(s.acceptRate)}</td><td class="num">${fmt(s.byStatus.failed ?? 0)}</td><td class="num">${fmt(s.byStatus.quarantined ?? 0)}</td></tr>`
      );
    })
    .join('');
  return `<table><thead><tr><th>stage</th><th>sampled</th><th class="num">samples</th><th class="num">graded</th><th class="num">accepted</th><th class="num">accept rate</th><th class="num">failed items</th><th class="num">quarantined</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Failed shards with their newest reason and the exact command that redoes them. */
function failuresSection(detail) {
  const f = detail.failures;
  if (!f || f.shards.length === 0) return '';
  const rows = f.shards
    .map(
      (s) =>
        `<tr><td class="num">${fmt(s.shardIndex)}</td><td class="num">${fmt(s.failedItems)} / ${fmt(s.items)}</td><td class="reason">${esc(s.reason ?? 'no reason recorded')}</td></tr>`,
    )
    .join('');
  const hint = f.retryCommand ? `<p class="retry-hint">Redo the failed items: <code>${esc(f.retryCommand)}</code></p>` : '';
  return (
    `<h2>Failed shards (${fmt(f.items)} failed items)</h2>` +
    `<table><thead><tr><th class="num">shard</th><th class="num">failed items</th><th>newest reason</th></tr></thead><tbody>${rows}</tbody></table>${hint}`
  );
}

function costTable(detail) {
  const line = (name, c) =>
    `<tr><td>${esc(name)}</td><td class="num">${fmt(c.promptTokens)}</td><td class="num">${fmt(c.cachedTokens)}</td><td class="num">${fmt(c.completionTokens)}</td>` +
    `<td class="num">${fmt(c.replicaSeconds, 1)}</td><td class="num">${fmt(c.sandboxCpuSeconds, 1)}</td><td class="num">${fmt(c.graderCpuSeconds, 1)}</td>` +
    `<td class="num">${fmt(c.accepted)}</td><td class="num">${c.perAccepted ? fmt(c.perAccepted.completionTokens) : '–'}</td><td class="num">${c.perAccepted ? fmt(c.perAccepted.replicaSeconds, 2) : '–'}</td></tr>`;
  const rows = [...detail.cost.byStage.map((c) => line(c.stage, c)), line('total', detail.cost.total)].join('');
  const b = detail.budgetUsage;
  const budget =
    b && (b.budgetTokens || b.budgetGpuHours)
      ? `<p class="muted">budget: ${b.budgetTokens ? `${fmt(b.tokens)} / ${fmt(b.budgetTokens)} tokens` : ''} ${b.budgetGpuHours ? `${fmt(b.gpuHours, 2)} / ${fmt(b.budgetGpuHours, 2)} GPU-hours` : ''}</p>`
      : '';
  return `<table><thead><tr><th></th><th class="num">prompt tok</th><th class="num">cached tok</th><th class="num">generated tok</th><th class="num">replica-s</th><th class="num">sandbox CPU-s</th><th class="num">grader CPU-s</th><th class="num">accepted</th><th class="num">gen tok / accepted</th><th class="num">replica-s / accepted</th></tr></thead><tbody>${rows}</tbody></table>${budget}`;
}

/** The campaign's charts: the full time range (quiet buckets as zero), legends, and stages x reasons. */
function drawCharts(detail, charts) {
  const c = detail.campaign;
  const until = (c.finishedAt ? Date.parse(c.finishedAt) : Date.now()) / 1000;
  const buckets = fillBuckets(charts.throughput, charts.bucketSeconds, until, { samples: 0, accepted: 0, completionTokens: 0 });
  const times = buckets.map((p) => Date.parse(p.at) / 1000);
  timeSeries($('chart-throughput'), {
    times,
    series: [
      { label: 'samples/s', values: buckets.map((p) => p.samples / charts.bucketSeconds) },
      { label: 'accepted/s', values: buckets.map((p) => p.accepted / charts.bucketSeconds), color: '#2e8b57' },
    ],
    yFormat: (v) => fmt(v, 2),
  });
  timeSeries($('chart-accept'), {
    times,
    series: [
      { label: 'accept rate', values: buckets.map((p) => (p.samples > 0 ? p.accepted / p.samples : null)), color: '#2e8b57', format: pct },
    ],
    yFormat: pct,
  });
  const stages = [...new Set(charts.successDistribution.map((p) => p.stage))];
  const maxCorrect = Math.max(-1, ...charts.successDistribution.map((p) => p.correct));
  const correctCounts = Array.from({ length: maxCorrect + 1 }, (_, k) => k);
  barChart($('chart-success'), {
    categories: correctCounts.map(String),
    xLabel: 'correct samples per question',
    series: stages.map((stage) => ({
      label: stage,
      values: correctCounts.map((k) => charts.successDistribution.find((p) => p.stage === stage && p.correct === k)?.questions ?? 0),
    })),
  });
  barChart($('chart-tools'), {
    categories: charts.toolCalls.map((p) => String(p.toolCalls)),
    xLabel: 'tool calls',
    series: [{ label: 'samples', values: charts.toolCalls.map((p) => p.samples), color: '#8a5cc8' }],
  });
  const reasons = [...new Set(detail.rejections.map((r) => r.reason))];
  const rejectionStages = [...new Set(detail.rejections.map((r) => r.stage))];
  barChart($('chart-rejections'), {
    categories: reasons,
    xLabel: 'reason',
    series: rejectionStages.map((stage) => ({
      label: stage,
      values: reasons.map((reason) => detail.rejections.find((r) => r.stage === stage && r.reason === reason)?.count ?? 0),
    })),
  });
  barChart($('chart-lengths'), {
    categories: charts.tokenLengths.map((p) => String(p.from)),
    xLabel: 'generated tokens (bucket start)',
    series: [{ label: 'samples', values: charts.tokenLengths.map((p) => p.samples), color: '#3b9ec8' }],
  });
}

async function showCampaign(id) {
  const [detail, charts] = await Promise.all([
    api(`/v1/campaigns/${encodeURIComponent(id)}`),
    api(`/v1/campaigns/${encodeURIComponent(id)}/charts`),
  ]);
  const c = detail.campaign;
  document.title = `rft · ${c.name}`;
  $('title').textContent = `${c.name} (${c.team})`;
  $('status').textContent = c.status + (c.statusReason ? ` — ${c.statusReason}` : '');
  $('status').className = `status ${c.status}`;
  $('progress').innerHTML = progressTable(detail);
  $('failures').innerHTML = failuresSection(detail);
  $('failures').hidden = !detail.failures || detail.failures.shards.length === 0;
  const t = detail.throughput;
  $('throughput').textContent =
    `${fmt(t.samplesPerSecond, 2)} samples/s · ${fmt(t.tokensPerSecond, 0)} tokens/s over the last ${t.windowSeconds / 60} min · ${fmt(t.remainingSamples)} samples to go · ETA ${duration(t.etaSeconds)}`;
  $('cost').innerHTML = costTable(detail);
  drawCharts(detail, charts);
  await renderDatasetLinks($('datasets'), id, api);
  $('campaign').hidden = false;
}

async function showList() {
  const page = await api('/v1/campaigns?limit=100');
  $('title').textContent = 'rft campaigns';
  const rows = page.items
    .map(
      (c) =>
        `<tr><td><a href="/dashboard/?campaign=${encodeURIComponent(c.id)}">${esc(c.name)}</a></td><td>${esc(c.team)}</td><td><span class="status ${esc(c.status)}">${esc(c.status)}</span></td><td class="num">${fmt(c.questionCount)}</td><td>${esc(new Date(c.createdAt).toLocaleString())}</td></tr>`,
    )
    .join('');
  $('campaigns').innerHTML =
    `<table><thead><tr><th>name</th><th>team</th><th>status</th><th class="num">questions</th><th>created</th></tr></thead><tbody>${rows}</tbody></table>`;
  $('list').hidden = false;
}

async function refresh() {
  try {
    const id = params.get('campaign');
    const dataset = params.get('dataset');
    if (id) await showCampaign(id);
    else if (dataset) await showDataset(dataset, api, $);
    else if (params.get('pipeline')) await showPipeline(params.get('pipeline'), api, $);
    else if (params.has('pipelines')) await showPipelines(api, $);
    else await showList();
    $('error').hidden = true;
    document.body.dataset.loaded = 'true';
  } catch (error) {
    showError(error);
  }
}

await refresh();
setInterval(refresh, Number(params.get('refresh') ?? 10) * 1000);
