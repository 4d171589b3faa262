import { endpointProblems, type CampaignSpec, type EndpointAllowlist } from '@rft/contracts';
import { UnrecoverableError } from '@rft/queue';

/**
 * The replicas a campaign's samples go to: its own `model.endpoints`, each checked against the
 * allow-list right before use (the API checked them at submission, but the allow-list may have
 * shrunk since and the ledger is not trusted to hold only what the API let in), or else the
 * operator's INFERENCE_ENDPOINTS, which are not checked. A refused endpoint fails the item for good.
 */
export function campaignEndpoints(spec: CampaignSpec, defaults: readonly string[], allowlist: EndpointAllowlist): readonly string[] {
  const own = spec.model.endpoints ?? [];
  if (own.length === 0) {
    if (defaults.length === 0) throw new Error('no inference endpoints: set model.endpoints in the campaign or INFERENCE_ENDPOINTS');
    return defaults;
  }
  const refused = endpointProblems(own, allowlist, 'spec.model.endpoints');
  if (refused.length) throw new UnrecoverableError(`campaign endpoint refused: ${refused.join('; ')}`);
  return own;
}
