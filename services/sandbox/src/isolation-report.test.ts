import { describe, expect, it } from 'vitest';
import type { ProbeReport } from './fork-server-process.ts';
import { assessIsolation, sameLayers, type IsolationInputs } from './isolation-report.ts';
import { parseSandboxConfig } from './sandbox-config.ts';

const verifiedProbe: ProbeReport = {
  uid: 10_001,
  gid: 10_001,
  groups: [],
  seccomp: { active: true, seen: { socket: 1, fork: 1, kill: 1 } },
  landlockAbi: 7,
  landlock: {
    active: true,
    seen: { readOther: 13 },
    features: { filesystem: true, tcp: true, signalScope: true, abstractUnixScope: true },
  },
  namespaces: { interfaces: ['lo'], init: 'bwrap', writeRoot: 30 },
  seccompAvailable: true,
};

const CALLERS = { 'unit-test-token-0123456789': { caller: 'test' } };

function inputs(overrides: Partial<IsolationInputs> = {}, probe: Partial<ProbeReport> = {}): IsolationInputs {
  return {
    config: parseSandboxConfig({ callers: CALLERS }),
    identity: { uid: 10_001, gid: 10_001 },
    serviceUid: 0,
    bwrapLaunched: true,
    bwrapUnavailable: null,
    probe: { ...verifiedProbe, ...probe },
    ...overrides,
  };
}

describe('assessIsolation', () => {
  it('reports every verified layer and no problem', () => {
    const { report, problems } = assessIsolation(inputs());
    expect(problems).toEqual([]);
    expect(report.summary).toBe('dedicated uid, rlimits, wall clock, output cap, seccomp, landlock abi 7, bwrap');
  });

  it('never reports a layer whose probe did not see the denial', () => {
    const { report, problems } = assessIsolation(
      inputs({}, { seccomp: { active: false, seen: { socket: 0 } }, namespaces: { interfaces: ['lo', 'eth0'], init: 'x', writeRoot: 0 } }),
    );
    expect(report.seccomp.active).toBe(false);
    expect(report.bwrap.active).toBe(false);
    expect(report.summary).not.toMatch(/seccomp|bwrap/);
    expect(problems).toEqual([expect.stringMatching(/^seccomp: required but not active: filter did not deny/)]);
  });

  it('says why bubblewrap is off and refuses when it was required', () => {
    const config = parseSandboxConfig({ callers: CALLERS, layers: { bwrap: 'require' } });
    const { report, problems } = assessIsolation(
      inputs({ config, bwrapLaunched: false, bwrapUnavailable: 'bwrap failed: No permissions to create new namespace' }),
    );
    expect(report.bwrap).toMatchObject({ active: false, detail: 'bwrap failed: No permissions to create new namespace' });
    expect(problems).toEqual(['bwrap: required but not active: bwrap failed: No permissions to create new namespace']);
  });

  it('refuses a fork server running as root or as the wrong uid', () => {
    expect(assessIsolation(inputs({}, { uid: 0 })).problems).toEqual(['uid: fork server runs as root']);
    expect(assessIsolation(inputs({}, { uid: 10_002 })).problems[0]).toMatch(/^uid: expected uid 10001/);
  });

  it('allows the service uid only with allowSameUid and with Landlock or bubblewrap active', () => {
    const sameUid = { identity: null, serviceUid: 10_001 };
    expect(assessIsolation(inputs({ ...sameUid, config: parseSandboxConfig({ callers: CALLERS, allowSameUid: true }) })).problems).toEqual(
      [],
    );
    const bare = assessIsolation(
      inputs(
        { ...sameUid, config: parseSandboxConfig({ callers: CALLERS, allowSameUid: true }), bwrapLaunched: false, bwrapUnavailable: 'off' },
        { landlock: { active: false, seen: null, features: {} } },
      ),
    );
    expect(bare.problems).toEqual([expect.stringMatching(/neither Landlock nor bubblewrap is active/)]);
    expect(assessIsolation(inputs({ ...sameUid })).problems[0]).toMatch(/cannot drop to a dedicated uid; set allowSameUid/);
  });

  it('notices when a restarted fork server lost a layer', () => {
    const { report } = assessIsolation(inputs());
    expect(sameLayers(report, verifiedProbe)).toBeNull();
    expect(sameLayers(report, { ...verifiedProbe, landlock: { ...verifiedProbe.landlock, active: false } })).toBe(
      'landlock no longer verified',
    );
  });
});
