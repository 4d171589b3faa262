import type { ExecutionResult } from '@rft/contracts';
import { describe, expect, it } from 'vitest';
import { formatToolOutput, lastCallWarning, toolLimitNotice } from './tool-output.ts';

const result = (patch: Partial<ExecutionResult>): ExecutionResult => ({
  status: 'ok',
  stdout: '',
  stderr: '',
  exitCode: 0,
  wallMs: 5,
  cpuMs: 5,
  truncated: false,
  ...patch,
});

describe('tool output', () => {
  it('wraps stdout in an output fence', () => {
    expect(formatToolOutput(result({ stdout: '42\n' }), 10_000)).toBe('```output\n42\n```\n');
  });

  it('shows the end of a traceback after what was printed', () => {
    const stderr = [
      'Traceback (most recent call last):',
      ...Array.from({ length: 40 }, (_, i) => `  frame ${i}`),
      "NameError: name 'x' is not defined",
    ].join('\n');
    const out = formatToolOutput(result({ status: 'error', stdout: 'partial\n', stderr, exitCode: 1 }), 10_000);
    expect(out.startsWith('```output\npartial\n')).toBe(true);
    expect(out).toContain("NameError: name 'x' is not defined\n```\n");
    expect(out).not.toContain('frame 0\n');
  });

  it('says when the time limit killed the code', () => {
    expect(formatToolOutput(result({ status: 'timeout', exitCode: null }), 10_000)).toBe(
      '```output\nTimeoutError: execution exceeded 10000 ms\n```\n',
    );
  });

  it('cuts long output in the middle', () => {
    const out = formatToolOutput(result({ stdout: 'a'.repeat(3000) + 'b'.repeat(3000) }), 10_000, 1000);
    expect(out).toMatch(/^```output\na{500}\n\.\.\. \[5000 characters cut\] \.\.\.\nb{500}\n```\n$/);
  });

  it('words the tool-limit notice as output', () => {
    expect(toolLimitNotice(6)).toMatch(/^```output\n.*limit of 6 tool calls.*\n```\n$/);
  });

  it('puts the last-call warning after the output, inside the fence', () => {
    const out = formatToolOutput(result({ stdout: '42\n' }), 10_000, 4_000, lastCallWarning(6));
    expect(out).toBe(`\`\`\`output\n42\n\n${lastCallWarning(6)}\n\`\`\`\n`);
    expect(formatToolOutput(result({ stdout: '' }), 10_000, 4_000, 'N')).toBe('```output\nN\n```\n');
  });

  it('words the cap messages so they read as no failure', () => {
    for (const text of [lastCallWarning(6), toolLimitNotice(6)]) {
      expect(text).not.toMatch(/Traceback|Error|Exception|timed out|truncated|output cut|Killed/i);
      expect(text).not.toMatch(/^\s*[A-Z][A-Za-z]*:/m);
    }
  });
});
