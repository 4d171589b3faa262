import { getModel, type DbOrTx } from '@rft/db';
import type { ServeDriver } from './serve-driver.ts';

/**
 * The `external` backend: nothing is started; an operator runs the server and registers its
 * endpoints (`rft models register`), which the step then probes.
 */
export function createExternalServeDriver(db: DbOrTx): ServeDriver {
  return {
    async start() {
      return { externalId: null };
    },
    async state(target) {
      const model = await getModel(db, target.model);
      const endpoints = model?.endpoints ?? [];
      if (endpoints.length === 0) {
        return { phase: 'starting', endpoints, detail: `no endpoint registered for model ${target.model} yet (rft models register)` };
      }
      return { phase: 'up', endpoints, detail: `registered endpoints ${endpoints.join(', ')}` };
    },
  };
}
