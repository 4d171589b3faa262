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
  const { dataset: d, manifest } = await api(`/v1/datasets/${encodeURIComponent(id)}`);
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
    ['location', `<code>${esc(d.storagePrefix)}</code>`],
    ['pull', `<code>rft datasets pull ${esc(d.id)} ./${esc(d.id)}</code>`],
  ];
  $('dataset-detail').innerHTML =
    `<table><tbody>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${k === 'id' ? esc(v) : v}</td></tr>`).join('')}</tbody></table>`;
  $('dataset').hidden = false;
}
