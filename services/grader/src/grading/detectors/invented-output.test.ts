import { describe, expect, it } from 'vitest';
import { detectInventedOutput } from './invented-output.ts';

describe('detectInventedOutput', () => {
  it('finds an output block the model wrote itself', () => {
    for (const fence of ['```output\n', '``` output\n', '```Output\n', '  ```output  \n'])
      expect(
        detectInventedOutput([
          { kind: 'prompt', text: 'p' },
          { kind: 'model', text: `Let me run it.\n\`\`\`python\nprint(2+2)\n\`\`\`\n${fence}4\n\`\`\`\nSo 4.` },
        ]),
        fence,
      ).toEqual({ invented: true, segments: [1] });
  });

  it('trusts the engine’s mark in meta', () => {
    const r = detectInventedOutput([{ kind: 'model', text: 'so the result is 4', meta: { inventedOutput: true } }]);
    expect(r.invented).toBe(true);
  });

  it('leaves real tool outputs, prompts, hints and prose alone', () => {
    const r = detectInventedOutput([
      { kind: 'prompt', text: 'Results come back as ```output\n...\n```' },
      { kind: 'model', text: 'Run:\n' },
      { kind: 'code', text: '```python\nprint(4)\n```' },
      { kind: 'tool_output', text: '```output\n4\n```\n' },
      { kind: 'hint', text: 'Check the ```output\n block.' },
      { kind: 'model', text: 'The output block shows 4; an ```outputs``` word inline is prose. \\boxed{4}' },
    ]);
    expect(r).toEqual({ invented: false, segments: [] });
  });
});
