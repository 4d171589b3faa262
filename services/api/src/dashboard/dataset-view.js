// The campaign's dataset versions on its page, and a page per dataset version (/dashboard/?dataset=<id>)
// with its manifest summary and the command that pulls it.
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'));

/** Links to the campaign's dataset versions, newest first (none yet: says so). */
export async function renderDatasetLinks(el, campaignId, api) {
  const page = await api(`/v1/datasets?campaign=${encodeURIComponent(campaignId)}&limit=5`);
  if (!page.items.length) {
    el.innerHTML = '<span class="muted">no dataset yet (built when the campaign is curated)</span>';
    return;
  }
  el.innerHTML = page.items
    .map(
      (d, i) =>
        `<a class="dataset-link" href="/dashboard/?dataset=${encodeURIComponent(d.id)}">${esc(d.name)}</a> ` +
        `<span class="muted">${fmt(d.rowCount)} rows · ${esc(d.id.slice(0, 12))}${i === 0 ? ' · latest' : ''}</span>`,
    )
    .join('<br>');
}

/** One dataset version: what it holds, where, its hash, and how to pull it. */
export async function showDataset(id, api, $) {
  const { dataset: d, manifest, manifestLocation } = await api(`/v1/datasets/${encodeURIComponent(id)}`);
  document.title = `rft · ${d.name}`;
  $('title').textContent = `dataset ${d.name}`;
  const m = manifest ?? {};
  const rows = [
    ['id', d.id],
    ['campaign', `<a href="/dashboard/?campaign=${encodeURIComponent(d.campaignId)}">${esc(d.campaignId)}</a>`],
    ['rows', fmt(d.rowCount)],
    ['model', esc(m.model?.name ?? m.model ?? '–')],
    ['created', esc(new Date(d.createdAt).toLocaleString())],
    ['manifest sha256', `<code>${esc(d.manifestSha256)}</code>`],
    [
      'manifest',
      `<code>${esc(manifestLocation.s3Uri)}</code><br><a href="${esc(manifestLocation.httpUrl)}">${esc(manifestLocation.httpUrl)}</a>`,
    ],
    ['pull', `<code>rft datasets pull ${esc(d.id)} ./${esc(d.id)}</code>`],
  ];
  $('dataset-detail').innerHTML =
    `<table><tbody>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${k === 'id' ? esc(v) : v}</td></tr>`).join('')}</tbody></table>`;
  $('dataset-runs').innerHTML = await trainingRunsTable(d.id, api);
  $('dataset').hidden = false;
}

/** The training runs launched on this dataset version, newest first, each with the command that follows it. */
async function trainingRunsTable(datasetId, api) {
  let page;
  try {
    page = await api(`/v1/runs?dataset=${encodeURIComponent(datasetId)}&limit=20`);
  } catch (error) {
    // A viewer token may not read runs: say so instead of showing an empty list.
    return `<span class="muted">training runs not shown: ${esc(error.message)}</span>`;
  }
  if (!page.items.length)
    return `<span class="muted">no training run yet: <code>rft runs launch ${esc(datasetId)} --backend slurm --profile FILE</code></span>`;
  const body = page.items
    .map(
      (r) =>
        `<tr><td><code>${esc(r.id.slice(0, 8))}</code></td><td><span class="badge ${esc(r.status)}">${esc(r.status)}</span></td>` +
        `<td>${esc(r.backend)}${r.externalId ? ` · ${esc(r.externalId)}` : ''}</td><td>${esc(new Date(r.createdAt).toLocaleString())}</td>` +
        `<td>${r.error ? esc(r.error) : ''}</td><td><code>rft runs status ${esc(r.id.slice(0, 8))}</code></td></tr>`,
    )
    .join('');
  return `<table><thead><tr><th>run</th><th>status</th><th>backend</th><th>created</th><th>error</th><th>follow it</th></tr></thead><tbody>${body}</tbody></table>`;
}
