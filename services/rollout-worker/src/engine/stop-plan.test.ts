import { describe, expect, it } from 'vitest';
import { afterThinking, interpretStop, openPythonBlock, stopAcrossChunks, stopStrings } from './stop-plan.ts';

const plan = { codeStop: true, triggerWords: ['Wait', 'Alternatively'], thinkEndStop: true };

describe('stop plan', () => {
  it('never sends a bare trigger word, so "Waiting" cannot match', () => {
    const stops = stopStrings(plan);
    expect(stops).not.toContain('Wait');
    expect(stops.filter((s) => 'Waiting to simplify'.includes(s))).toEqual([]);
    expect(stops).toContain('Wait,');
    expect(stops).toContain('```\n');
    expect(stops).toContain('</think>');
  });

  it('reads a trigger only at a word start and outside code', () => {
    expect(interpretStop('Wait,', 'So x = 3. ', 'Wait,', plan)).toEqual({ kind: 'trigger', word: 'Wait' });
    expect(interpretStop('Wait,', 'we must A', 'wait,', plan).kind).toBe('none');
    expect(interpretStop('Wait,', 'I will A', 'Wait,', plan).kind).toBe('none'); // "AWait,"
    expect(interpretStop('Wait ', '```python\n# ', 'Wait ', plan).kind).toBe('none');
  });

  it('reads a closing fence as code only when a python block is open', () => {
    const m = interpretStop('```\n', 'Let me run it.\n```python\nprint(1)\n', '', plan);
    expect(m.kind).toBe('none'); // the turn must end with the stop
    const code = interpretStop('```\n', 'Let me run it.\n', '```python\nprint(1)\n```\n', plan);
    expect(code).toEqual({ kind: 'code_end', code: 'print(1)\n', codeStartInTurn: '```python\n'.length });
    const hintOpened = interpretStop('```\n', 'Wait, use Python.```python', '\nprint(2)\n```\n', plan);
    expect(hintOpened).toMatchObject({ kind: 'code_end', code: 'print(2)\n' });
    expect(interpretStop('```\n', 'Here:\n```text\nabc\n', '```\n', plan).kind).toBe('none');
    expect(openPythonBlock('```python\nx\n```\n')).toBeNull();
  });

  it('finds a stop split across two chunks', () => {
    expect(stopAcrossChunks('print(1)\n``', '`\nmore text', ['```\n'])).toEqual({ stop: '```\n', cutAt: 2 });
    expect(stopAcrossChunks('so Wai', 't, no', ['Wait,'])).toEqual({ stop: 'Wait,', cutAt: 2 });
    expect(stopAcrossChunks('done.', 'Wait,', ['Wait,'])).toBeNull(); // wholly in the new chunk: the server saw it
  });
});

describe('code after the end of thinking', () => {
  it('reads a block opened after </think> as answer text', () => {
    const before = 'so the program is clear.\n</think>\n\nHere is the solution:\n';
    expect(interpretStop('```\n', before, '```python\nprint(input())\n```\n', plan).kind).toBe('none');
    expect(interpretStop('```\n', '', 'Done.</think>\n```python\nprint(1)\n```\n', plan).kind).toBe('none'); // within one turn
    expect(interpretStop('```\n', 'thinking\n', '```python\nprint(1)\n```\n', plan).kind).toBe('code_end');
  });

  it('never sees an end of thinking for a profile without markers', () => {
    const noMarkers = { ...plan, thinkEndStop: false, thinkClose: null };
    expect(afterThinking('a </think> b', noMarkers)).toBe(false);
    expect(interpretStop('```\n', 'x </think>\n', '```python\nprint(1)\n```\n', noMarkers).kind).toBe('code_end');
    expect(stopStrings(noMarkers)).not.toContain('</think>');
  });
});

describe('fences as models write them', () => {
  const opened = (turn: string) => interpretStop('```\n', 'Let me check.\n', turn, plan);
  for (const opener of ['```py', '```python3', '```Python', '```PY', '``` python', '```python  ', '```py\t']) {
    it(`reads ${JSON.stringify(opener)} as a python opener`, () => {
      expect(opened(`${opener}\nprint(1)\n\`\`\`\n`)).toMatchObject({ kind: 'code_end', code: 'print(1)\n' });
    });
  }

  it('does not read other languages or prefixes of words as python', () => {
    for (const opener of ['```pyth', '```pytest', '```javascript', '```text', '```output'])
      expect(opened(`${opener}\nprint(1)\n\`\`\`\n`).kind).toBe('none');
  });

  it('stops on a closing fence followed by spaces', () => {
    const stops = stopStrings(plan);
    for (const close of ['```\n', '``` \n', '```   \n', '```        \n']) expect(stops).toContain(close);
    const m = interpretStop('```  \n', 'x\n', '```py\nprint(1)\n```  \n', plan);
    expect(m).toMatchObject({ kind: 'code_end', code: 'print(1)\n' });
  });

  it('finds the opener of a hint that ended with it and a model that went on in the next turn', () => {
    expect(openPythonBlock('Wait, use Python.```python')).toEqual({ openerAt: 17, codeStart: 26 });
    expect(openPythonBlock('```py\nx = 1\n')).toEqual({ openerAt: 0, codeStart: 6 });
  });
});
