import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerCampaign } from '@rft/intake';
import type { TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { demoQuestions, demoSpec } from '../integration/campaign-harness.ts';
import { auditCampaign, formatTable, type CampaignAudit } from './campaign-invariants.ts';
import type { ChaosCluster } from './chaos-cluster.ts';
import type { Fault, Progress } from './fault-catalog.ts';
import { sweepOrphans } from '@rft/scheduler';

export interface FaultOutcome {
  fault: string;
  injected: string;
  /** Seconds from the end of the injection to the campaign finishing; null if it never did. */
  recoverSeconds: number | null;
  /** Seconds from registering the campaign to its end: the time the fault cost shows here. */
  totalSeconds: number | null;
  audit: CampaignAudit;
  /** Trajectory objects no sample points at once the campaign ended (fenced attempts), and those left after the sweep. */
  orphans: number;
  orphansAfterSweep: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one campaign per fault on the cluster, injecting the fault mid-run, waits for it to finish
 * and audits it. Prints the table (fault, injected, recovered, lost, duplicated) and writes it to
 * bench-results/<reportName>.json. Assertions are the caller's, so the table prints even on failure.
 */
export async function runFaultCampaigns(
  env: TestEnv,
  cluster: ChaosCluster,
  faults: readonly Fault[],
  opts: { questions: number; samples: number; reportName: string },
): Promise<FaultOutcome[]> {
  const expected = opts.questions * opts.samples;
  const outcomes: FaultOutcome[] = [];
  const rows: Array<Record<string, string | number>> = [];
  for (const fault of faults) {
    const campaignId = await registerCampaign(env.db, demoSpec(cluster.simUrl, opts.samples), demoQuestions(opts.questions), 'chaos');
    const registered = Date.now();
    const count = async (q: ReturnType<typeof sql<{ n: number }>>) => (await q.execute(env.db)).rows[0]?.n ?? 0;
    const progress: Progress = {
      samples: () => count(sql<{ n: number }>`SELECT count(*)::int AS n FROM samples WHERE campaign_id = ${campaignId}`),
      grades: () =>
        count(
          sql<{
            n: number;
          }>`SELECT count(*)::int AS n FROM grades g JOIN samples s ON s.id = g.sample_id WHERE s.campaign_id = ${campaignId}`,
        ),
      status: async () =>
        (await env.db.selectFrom('campaigns').select('status').where('id', '=', campaignId).executeTakeFirstOrThrow()).status,
      async until(what, probe, timeoutMs = 180_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          try {
            if (await probe()) return;
          } catch {
            // the test's own connections are terminated too in the Postgres fault
          }
          if (Date.now() > deadline) throw new Error(`${fault.name}: timed out waiting for ${what}\n${cluster.logTail()}`);
          await sleep(100);
        }
      },
    };
    const injected = await fault.inject(cluster, progress);
    const cleared = Date.now();
    let recoverSeconds: number | null = null;
    let totalSeconds: number | null = null;
    try {
      await progress.until(
        'campaign finished',
        async () => ['completed', 'completed_with_failures', 'failed', 'cancelled'].includes(await progress.status()),
        300_000,
      );
      recoverSeconds = (Date.now() - cleared) / 1000;
      totalSeconds = (Date.now() - registered) / 1000;
    } catch (error) {
      console.error(String(error));
    }
    const audit = await auditCampaign(env.db, env.store, campaignId, expected);
    // The campaign has ended, so no attempt is writing: every unreferenced object is an orphan.
    const orphans = (await sweepOrphans(env.db, env.store, { campaignIds: [campaignId], graceMs: 0, dryRun: false })).orphans.length;
    const orphansAfterSweep = (await sweepOrphans(env.db, env.store, { campaignIds: [campaignId], graceMs: 0 })).orphans.length;
    outcomes.push({ fault: fault.name, injected, recoverSeconds, totalSeconds, audit, orphans, orphansAfterSweep });
    rows.push({
      fault: fault.name,
      injected,
      recovered: audit.status === 'completed' && recoverSeconds !== null ? `yes, ${recoverSeconds.toFixed(1)} s` : `no (${audit.status})`,
      samples: `${audit.distinctKeys}/${expected}`,
      'campaign s': totalSeconds === null ? '-' : totalSeconds.toFixed(1),
      lost: audit.lost,
      'error samples': audit.errorSamples,
      'failed items': audit.failedItems,
      duplicated: audit.duplicated,
      'orphans (swept)': `${orphans} (${orphansAfterSweep} left)`,
      'missing objects': audit.missingObjects,
      'dataset rows': audit.datasetItems,
    });
  }
  console.log(`\nchaos: ${opts.questions} questions x ${opts.samples} samples per fault\n${formatTable(rows)}\n`);
  const root = join(import.meta.dirname, '..', '..');
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  writeFileSync(
    join(root, 'bench-results', `${opts.reportName}.json`),
    JSON.stringify({ questions: opts.questions, samples: opts.samples, faults: outcomes }, null, 2),
  );
  return outcomes;
}

/** The assertion both suites make on every outcome. */
export function cleanOutcome(o: FaultOutcome) {
  return {
    fault: o.fault,
    status: o.audit.status,
    lost: o.audit.lost,
    duplicated: o.audit.duplicated,
    failedItems: o.audit.failedItems,
    orphansAfterSweep: o.orphansAfterSweep,
  };
}
