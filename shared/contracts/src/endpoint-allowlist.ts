import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { InputError } from './validation-error.ts';

/**
 * Where campaign-named inference endpoints may point: an operator's list of host names (`vllm-0`,
 * `*.inference.internal`), addresses (`10.0.0.5`, `fd00::5`) and networks (`10.0.0.0/8`). A
 * submitter's URL is refused unless it is http(s) and its host is on the list, so a campaign cannot
 * make workers call the cloud metadata service, the loopback interface or any other internal address.
 * Loopback, link-local (169.254.0.0/16, fe80::/10, which hold the metadata services) and unspecified
 * addresses must be listed themselves: a broad network such as 0.0.0.0/0 does not cover them.
 *
 * Host names are compared as written, not resolved: list only names whose DNS the operator controls.
 */
export interface EndpointAllowlist {
  /** The entries as configured, for messages. */
  readonly entries: readonly string[];
  readonly hosts: ReadonlySet<string>;
  /** `*.example.com` entries, stored as `.example.com`. */
  readonly hostSuffixes: readonly string[];
  readonly networks: BlockList;
  /** Listed networks that lie inside a sensitive range (so they may open that range). */
  readonly sensitiveNetworks: BlockList;
}

type Family = 'ipv4' | 'ipv6';

/** Ranges no broad entry opens: loopback, link-local (cloud metadata), unspecified. */
const SENSITIVE_RANGES: ReadonlyArray<readonly [string, number, Family]> = [
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['0.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['::', 128, 'ipv6'],
  // AWS's IPv6 metadata address (fd00:ec2::254) sits in a unique-local range operators may list.
  ['fd00:ec2::', 32, 'ipv6'],
];
const sensitive = new BlockList();
for (const [address, prefix, family] of SENSITIVE_RANGES) sensitive.addSubnet(address, prefix, family);

/** The prefix length of the sensitive range holding `address`, if any. */
function sensitivePrefix(address: string, family: Family): number | null {
  for (const [range, prefix, rangeFamily] of SENSITIVE_RANGES) {
    if (rangeFamily !== family) continue;
    const one = new BlockList();
    one.addSubnet(range, prefix, family);
    if (one.check(address, family)) return prefix;
  }
  return null;
}

const HOST_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

const familyOf = (address: string): Family | null => {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : null;
};

/** `::ffff:169.254.169.254` (as the URL parser writes it, `::ffff:a9fe:a9fe`) is an IPv4 address. */
function unmapIpv4(address: string): string {
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const high = Number.parseInt(hex[1]!, 16);
    const low = Number.parseInt(hex[2]!, 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return dotted ? dotted[1]! : address;
}

/** Parses the comma-separated allow-list; every bad entry is named. An empty list allows nothing. */
export function parseEndpointAllowlist(text: string, where = 'INFERENCE_ENDPOINT_ALLOWLIST'): EndpointAllowlist {
  const entries = text
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  const hosts = new Set<string>();
  const hostSuffixes: string[] = [];
  const networks = new BlockList();
  const sensitiveNetworks = new BlockList();
  const problems: string[] = [];
  for (const entry of entries) {
    const [rawAddress, rawPrefix, ...rest] = entry.split('/');
    const address = unmapIpv4((rawAddress ?? '').replace(/^\[(.*)\]$/, '$1'));
    const family = familyOf(address);
    if (family) {
      const max = family === 'ipv4' ? 32 : 128;
      const prefix = rawPrefix === undefined ? max : Number(rawPrefix);
      if (rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
        problems.push(`${where}: ${JSON.stringify(entry)}: the prefix length must be 0-${max}`);
        continue;
      }
      networks.addSubnet(address, prefix, family);
      const rangePrefix = sensitivePrefix(address, family);
      // Only an entry inside a sensitive range (127.0.0.1, 169.254.169.254/32) opens it.
      if (rangePrefix !== null && prefix >= rangePrefix) sensitiveNetworks.addSubnet(address, prefix, family);
    } else if (rawPrefix === undefined && HOST_NAME.test(entry)) {
      if (entry.startsWith('*.')) hostSuffixes.push(entry.slice(1));
      else hosts.add(entry);
    } else {
      problems.push(`${where}: ${JSON.stringify(entry)} is not a host name, an IP address or a network (10.0.0.0/8)`);
    }
  }
  if (problems.length) throw new InputError(problems.join('\n'), problems);
  return { entries, hosts, hostSuffixes, networks, sensitiveNetworks };
}

/**
 * Why `url` may not be called, as `field: problem`, or null when it may. Only http and https,
 * no credentials in the URL, and a host the allow-list names.
 */
export function endpointProblem(url: string, allowlist: EndpointAllowlist, field: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${field}: ${JSON.stringify(url)} is not a URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `${field}: scheme "${parsed.protocol}" is not allowed; inference endpoints are http:// or https:// URLs`;
  }
  if (parsed.username || parsed.password) return `${field}: credentials in the URL are not allowed`;
  // The URL parser has already normalised the host: lowercased, IPv4 in dotted form (even when
  // written as 2852039166 or 0xa9.254.169.254), IPv6 in brackets.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const address = unmapIpv4(host);
  const family = familyOf(address);
  const listed = allowlist.entries.length ? allowlist.entries.join(', ') : '(empty)';
  if (family) {
    if (sensitive.check(address, family)) {
      if (allowlist.sensitiveNetworks.check(address, family)) return null;
      return `${field}: ${address} is a loopback, link-local or metadata address, refused unless INFERENCE_ENDPOINT_ALLOWLIST lists it (allowed: ${listed})`;
    }
    if (allowlist.networks.check(address, family)) return null;
  } else {
    const name = host.replace(/\.$/, '');
    if (allowlist.hosts.has(name) || allowlist.hostSuffixes.some((suffix) => name.endsWith(suffix))) return null;
  }
  return `${field}: host ${JSON.stringify(host)} is not in INFERENCE_ENDPOINT_ALLOWLIST (allowed: ${listed}); ask an operator to add it`;
}

/** Every refused endpoint of a list, each as `field.i: problem`. */
export function endpointProblems(urls: readonly string[], allowlist: EndpointAllowlist, field: string): string[] {
  return urls.flatMap((url, i) => endpointProblem(url, allowlist, `${field}.${i}`) ?? []);
}

/** `INFERENCE_ENDPOINT_ALLOWLIST` as a configuration field: unset or empty allows no campaign-named endpoint. */
export const endpointAllowlistEnv = z
  .string()
  .default('')
  .transform((text, ctx) => {
    try {
      return parseEndpointAllowlist(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof InputError ? error.problems.join('; ') : String(error) });
      return z.NEVER;
    }
  });
