// `npm run sweep:orphans -- [--delete] [--grace-minutes N] [--campaign ID ...]`: reports (and with
// --delete removes) trajectory objects no sample row points at. Reads the same env as the services.
import { parseArgs } from 'node:util';
import { infrastructureConfig } from '@rft/config';
import { connectInfrastructure } from '@rft/service-runtime';
import { sweepOrphans } from './orphan-sweep.ts';

const USAGE = 'usage: npm run sweep:orphans -- [--delete] [--grace-minutes N (default 60)] [--campaign ID ...]';
const { values } = parseArgs({
  options: {
    delete: { type: 'boolean', default: false },
    'grace-minutes': { type: 'string', default: '60' },
    campaign: { type: 'string', multiple: true },
    help: { type: 'boolean', default: false },
  },
});
const graceMinutes = Number(values['grace-minutes']);
if (values.help || !Number.isFinite(graceMinutes) || graceMinutes < 0) {
  console.error(values.help ? USAGE : `--grace-minutes: expected a number of minutes >= 0, got ${values['grace-minutes']}\n${USAGE}`);
  process.exit(values.help ? 0 : 2);
}
const infra = connectInfrastructure(infrastructureConfig(process.env), 'sweep-orphans');
try {
  const report = await sweepOrphans(infra.db, infra.store, {
    graceMs: graceMinutes * 60_000,
    dryRun: !values.delete,
    ...(values.campaign?.length ? { campaignIds: values.campaign } : {}),
  });
  console.log(JSON.stringify(report, null, 2));
  if (report.dryRun && report.orphans.length > 0)
    console.error(`${report.orphans.length} orphan objects; run again with --delete to remove them`);
} finally {
  await infra.component.close();
}
