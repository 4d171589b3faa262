import { parseEndpointAllowlist, type CampaignSpec } from '@rft/contracts';
import { UnrecoverableError } from '@rft/queue';
import { describe, expect, test } from 'vitest';
import { campaignEndpoints } from './campaign-endpoints.ts';

const spec = (endpoints?: string[]) =>
  ({
    name: 'c',
    team: 't',
    model: { name: 'm', ...(endpoints ? { endpoints } : {}) },
    stages: [],
    shardSize: 1,
  }) as unknown as CampaignSpec;
const allowlist = parseEndpointAllowlist('127.0.0.1, vllm-0');

describe('the worker checks a campaign endpoint again before calling it', () => {
  test('allowed endpoints are used; the operator defaults serve campaigns that name none', () => {
    expect(campaignEndpoints(spec(['http://127.0.0.1:8000']), ['http://default:8000'], allowlist)).toEqual(['http://127.0.0.1:8000']);
    expect(campaignEndpoints(spec(), ['http://default:8000'], allowlist)).toEqual(['http://default:8000']);
  });

  test.each([
    ['http://169.254.169.254/latest/meta-data/', /spec\.model\.endpoints\.0: 169\.254\.169\.254 is a loopback, link-local or metadata/],
    ['file:///etc/passwd', /spec\.model\.endpoints\.0: scheme "file:" is not allowed/],
    ['http://vllm-1:8000', /spec\.model\.endpoints\.0: host "vllm-1" is not in INFERENCE_ENDPOINT_ALLOWLIST/],
  ])('a campaign stored with %s fails its item for good, naming the field', (url, problem) => {
    const call = () => campaignEndpoints(spec([url]), ['http://default:8000'], allowlist);
    expect(call).toThrow(UnrecoverableError);
    expect(call).toThrow(problem);
  });

  test('no endpoints anywhere is an error naming both settings', () => {
    expect(() => campaignEndpoints(spec(), [], allowlist)).toThrow(/model\.endpoints .*INFERENCE_ENDPOINTS/);
  });
});
