import type { Segment } from '@rft/contracts';
import { describe, expect, it } from 'vitest';
import { markInventedOutputs } from './invented-output.ts';

describe('invented output blocks', () => {
  it('marks model text that writes its own output fence, and nothing else', () => {
    const segments: Segment[] = [
      { kind: 'prompt', text: 'Q ```output\n' },
      { kind: 'model', text: 'Run:\n' },
      { kind: 'code', text: 'print(2)\n```\n' },
      { kind: 'tool_output', text: '```output\n2\n```\n', meta: { status: 'ok' } },
      { kind: 'model', text: '```python\nprint(3)\n```\n```output\n3\n```\nand ``` Output\n9\n```\n' },
      { kind: 'model', text: '<|im_end|>', meta: { endOfTurn: true } },
    ];
    expect(markInventedOutputs(segments)).toBe(2);
    expect(segments[4]!.meta).toEqual({ inventedOutput: true, inventedOutputCount: 2 });
    expect(segments.filter((s) => s.meta?.inventedOutput)).toHaveLength(1);
    expect(segments[3]!.meta).toEqual({ status: 'ok' });
  });
});
