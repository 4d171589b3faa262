/** The launcher's domain metric: training runs by status and backend, read from the ledger at scrape time. */
import { trainingRunCountsByStatus, type Db } from '@rft/db';
import { Gauge, type Registry } from '@rft/telemetry';

export function registerLauncherMetrics(registry: Registry, deps: { db: Db }): void {
  new Gauge({
    name: 'rft_training_runs',
    help: 'Training runs by status and backend',
    labelNames: ['status', 'backend'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await trainingRunCountsByStatus(deps.db)) this.set({ status: r.status, backend: r.backend }, r.count);
    },
  });
}
