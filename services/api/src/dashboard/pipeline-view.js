// Pipelines on the dashboard: the list (/dashboard/?pipelines) and one pipeline (/dashboard/?pipeline=<id>)
// with its DAG (steps by depth, coloured by state), each step's reason and output with links to the
// campaign and dataset pages, and the evaluation results table.
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pctCell = (cell) =>
  cell
    ? `${(100 * cell.value).toFixed(1)} <span class="muted">[${(100 * cell.interval[0]).toFixed(1)}, ${(100 * cell.interval[1]).toFixed(1)}] (${cell.questions}×${cell.samplesPerQuestion.min === cell.samplesPerQuestion.max ? cell.samplesPerQuestion.min : `${cell.samplesPerQuestion.min}-${cell.samplesPerQuestion.max}`})</span>`
    : '<span class="muted">—</span>';
const campaignLink = (id) => `<a href="/dashboard/?campaign=${encodeURIComponent(id)}">campaign ${esc(id.slice(0, 8))}</a>`;
const datasetLink = (id) => `<a href="/dashboard/?dataset=${encodeURIComponent(id)}">dataset ${esc(id)}</a>`;

export async function showPipelines(api, $) {
  const { items } = await api('/v1/pipelines?limit=100');
  document.title = 'rft · pipelines';
  $('title').textContent = 'rft pipelines';
  const rows = items
    .map(
      (p) =>
        `<tr><td><a href="/dashboard/?pipeline=${encodeURIComponent(p.id)}">${esc(p.name)}</a></td><td>${esc(p.id.slice(0, 8))}</td><td>${Object.entries(
          p.steps,
        )
          .map(([s, n]) => `<span class="step-state ${esc(s)}">${n} ${esc(s)}</span>`)
          .join(' ')}</td><td>${esc(new Date(p.createdAt).toLocaleString())}</td></tr>`,
    )
    .join('');
  $('pipeline-list').innerHTML = items.length
    ? `<table><thead><tr><th>name</th><th>id</th><th>steps</th><th>created</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<span class="muted">no pipeline yet: <code>rft pipelines submit pipeline.yaml</code></span>';
  $('pipelines').hidden = false;
}

/** Depth of each step: 0 without dependencies, else one more than its deepest dependency. */
function depths(steps) {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const depth = new Map();
  const of = (name) => {
    if (depth.has(name)) return depth.get(name);
    depth.set(name, 0);
    const d =
      Math.max(
        -1,
        ...byName
          .get(name)
          .dependsOn.filter((n) => byName.has(n))
          .map(of),
      ) + 1;
    depth.set(name, d);
    return d;
  };
  for (const s of steps) of(s.name);
  return depth;
}

/** Links to what a step produced: campaign, dataset, run (listed on its dataset's page), eval campaigns. */
function outputLinks(step, byName) {
  const o = step.output ?? {};
  switch (step.kind) {
    case 'campaign':
      return o.campaignId ? campaignLink(o.campaignId) : '';
    case 'select':
      return o.datasetId ? datasetLink(o.datasetId) : '';
    case 'train': {
      if (!o.runId) return '';
      const dataset = step.dependsOn.map((n) => byName.get(n)).find((d) => d?.kind === 'select')?.output?.datasetId;
      const run = `run ${esc(o.runId.slice(0, 8))}`;
      return `${dataset ? `<a href="/dashboard/?dataset=${encodeURIComponent(dataset)}">${run}</a>` : run} → model ${esc(o.model)}`;
    }
    case 'serve':
      return o.model ? `model ${esc(o.model)}` : '';
    case 'eval':
      return (o.campaigns ?? []).map((c) => `${esc(c.model)} × ${esc(c.benchmark)}: ${campaignLink(c.campaignId)}`).join('<br>');
    default:
      return '';
  }
}

function dag(steps) {
  const depth = depths(steps);
  const columns = [];
  for (const s of steps) (columns[depth.get(s.name)] ??= []).push(s);
  return `<div class="dag">${columns
    .map(
      (col) =>
        `<div class="dag-column">${col
          .map(
            (s) =>
              `<div class="dag-step step-state ${esc(s.status)}" data-step="${esc(s.name)}" title="${esc(s.reason ?? s.status)}"><strong>${esc(s.name)}</strong><br><span>${esc(s.kind)} · ${esc(s.status)}</span>${s.dependsOn.length ? `<br><span class="muted">after ${esc(s.dependsOn.join(', '))}</span>` : ''}</div>`,
          )
          .join('')}</div>`,
    )
    .join('<div class="dag-arrow">→</div>')}</div>`;
}

function stepsTable(steps) {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const rows = steps
    .map(
      (s) =>
        `<tr data-step="${esc(s.name)}"><td>${esc(s.name)}</td><td>${esc(s.kind)}</td><td><span class="step-state ${esc(s.status)}">${esc(s.status)}</span></td><td>${esc(s.reason ?? '')}${s.heldBy ? `<br><span class="muted">held by ${esc(s.heldBy)}</span>` : ''}${s.next ? `<br><code>${esc(s.next)}</code>` : ''}</td><td>${outputLinks(s, byName)}${s.summary ? `<br><span class="muted">${esc(s.summary)}</span>` : ''}</td></tr>`,
    )
    .join('');
  return `<table><thead><tr><th>step</th><th>kind</th><th>state</th><th>reason</th><th>output</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function resultsTables(report) {
  if (!report.cells.length) return '<span class="muted">no evaluation yet: the eval steps have not started</span>';
  return report.tables
    .map(
      (t) =>
        `<table class="results" data-metric="${esc(t.metric)}"><thead><tr><th>${esc(t.metric)}</th>${t.benchmarks.map((b) => `<th>${esc(b)}</th>`).join('')}</tr></thead><tbody>${t.rows
          .map((r) => `<tr><th>${esc(r.model)}</th>${r.cells.map((c) => `<td>${pctCell(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
    )
    .join('');
}

export async function showPipeline(id, api, $) {
  const [p, report] = await Promise.all([
    api(`/v1/pipelines/${encodeURIComponent(id)}`),
    api(`/v1/pipelines/${encodeURIComponent(id)}/report`),
  ]);
  document.title = `rft · ${p.name}`;
  $('title').textContent = `pipeline ${p.name}`;
  $('status').textContent = p.finished
    ? 'finished'
    : `${p.steps.filter((s) => s.status === 'succeeded' || s.status === 'accepted').length} / ${p.steps.length} steps done`;
  $('pipeline-dag').innerHTML = dag(p.steps);
  $('pipeline-steps').innerHTML = stepsTable(p.steps);
  $('pipeline-results').innerHTML = resultsTables(report);
  $('pipeline').hidden = false;
}
