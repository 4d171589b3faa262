import { describe, expect, test } from 'vitest';
import { endpointProblem, parseEndpointAllowlist } from './endpoint-allowlist.ts';
import { InputError } from './validation-error.ts';

const allow = parseEndpointAllowlist('vllm-0, *.inference.internal, 10.0.0.0/8, fd00:1::/32, 127.0.0.1');
const check = (url: string, list = allow) => endpointProblem(url, list, 'model.endpoints.0');

describe('endpoints a campaign may name', () => {
  test.each([
    'http://vllm-0:8000',
    'https://VLLM-0/v1',
    'http://a.inference.internal:8000',
    'http://b.c.inference.internal',
    'http://10.1.2.3:8000',
    'http://[fd00:1::5]:8000',
    'http://127.0.0.1:41234',
  ])('%s is allowed', (url) => {
    expect(check(url)).toBeNull();
  });

  test.each([
    ['file:///etc/passwd', /scheme "file:" is not allowed/],
    ['javascript:alert(1)', /scheme "javascript:" is not allowed/],
    ['gopher://10.0.0.1:70/', /scheme "gopher:" is not allowed/],
    ['ftp://vllm-0/', /scheme "ftp:" is not allowed/],
    ['not a url', /is not a URL/],
    ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a loopback, link-local or metadata address/],
    // The same metadata address written as a decimal, in hex and IPv4-mapped IPv6.
    ['http://2852039166/', /169\.254\.169\.254 is a loopback/],
    ['http://0xa9.0xfe.0xa9.0xfe/', /169\.254\.169\.254 is a loopback/],
    ['http://[::ffff:169.254.169.254]/', /169\.254\.169\.254 is a loopback/],
    ['http://[fe80::1]/', /fe80::1 is a loopback/],
    ['http://[fd00:ec2::254]/', /is a loopback, link-local or metadata address/],
    ['http://127.0.0.2/', /127\.0\.0\.2 is a loopback/],
    ['http://[::1]:8000/', /::1 is a loopback/],
    ['http://0.0.0.0:8000/', /0\.0\.0\.0 is a loopback/],
    ['http://localhost:8000/', /host "localhost" is not in INFERENCE_ENDPOINT_ALLOWLIST/],
    ['http://metadata.google.internal/', /host "metadata.google.internal" is not in/],
    ['http://inference.internal.evil.com/', /is not in INFERENCE_ENDPOINT_ALLOWLIST/],
    ['http://evilinference.internal/', /is not in INFERENCE_ENDPOINT_ALLOWLIST/],
    ['http://192.168.1.1/', /host "192\.168\.1\.1" is not in/],
    ['http://user:pw@vllm-0/', /credentials in the URL are not allowed/],
  ])('%s is refused', (url, problem) => {
    const refused = check(url);
    expect(refused).toMatch(/^model\.endpoints\.0: /);
    expect(refused).toMatch(problem);
  });

  test('a broad network does not open loopback or metadata addresses; an explicit entry does', () => {
    const broad = parseEndpointAllowlist('0.0.0.0/0, ::/0');
    expect(check('http://8.8.8.8/', broad)).toBeNull();
    expect(check('http://169.254.169.254/', broad)).toMatch(/metadata address/);
    expect(check('http://127.0.0.1/', broad)).toMatch(/loopback/);
    expect(check('http://[::1]/', broad)).toMatch(/loopback/);
    // 169.240.0.0/12 contains the link-local range but does not lie inside it.
    expect(check('http://169.254.169.254/', parseEndpointAllowlist('169.240.0.0/12'))).toMatch(/metadata address/);
    expect(check('http://169.254.169.254/', parseEndpointAllowlist('169.254.169.254'))).toBeNull();
    expect(check('http://[::1]:80/', parseEndpointAllowlist('::1'))).toBeNull();
  });

  test('an empty allow-list allows nothing', () => {
    expect(check('http://vllm-0/', parseEndpointAllowlist(''))).toMatch(/allowed: \(empty\)/);
  });

  test('bad entries are named', () => {
    try {
      parseEndpointAllowlist('10.0.0.0/33, http://vllm-0, ok-host, 1.2.3.4/8/9');
      expect.unreachable('the allow-list was accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).problems).toEqual([
        'INFERENCE_ENDPOINT_ALLOWLIST: "10.0.0.0/33": the prefix length must be 0-32',
        'INFERENCE_ENDPOINT_ALLOWLIST: "http://vllm-0" is not a host name, an IP address or a network (10.0.0.0/8)',
        'INFERENCE_ENDPOINT_ALLOWLIST: "1.2.3.4/8/9": the prefix length must be 0-32',
      ]);
    }
  });
});
