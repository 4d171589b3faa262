import { describe, expect, it } from 'vitest';
import type { CanonicalRecord } from '../dataset/canonical-record.ts';
import type { MaskedSegment } from '../dataset/token-alignment.ts';
import { toAxolotlRow } from './axolotl.ts';
import { llamaFactoryDatasetInfo, toSharegptRow } from './llama-factory.ts';

function record(segments: MaskedSegment[]): CanonicalRecord {
  return {
    id: 'r1',
    questionId: 'q1',
    questionKind: 'math',
    source: null,
    campaignId: 'c',
    recipe: 'start',
    modelProfile: 'qwq-32b',
    toolState: 'session',
    split: 'train',
    segments,
    toolCalls: 0,
    hintsInserted: 0,
    correct: true,
    graderVersion: 'g',
    verdictMetrics: '{}',
    numTokens: 0,
    numTrainTokens: 0,
    numStraddleTokens: 0,
    numHintTokens: 0,
    numToolOutputTokens: 0,
  };
}

const seg = (kind: MaskedSegment['kind'], text: string): MaskedSegment => ({ kind, text, train: kind === 'model' || kind === 'code' });

describe('axolotl input_output', () => {
  it('keeps the full text in order with one label per run of same-flag segments', () => {
    const r = record([
      seg('prompt', 'P'),
      seg('model', 'think '),
      seg('code', 'code'),
      seg('hint', 'H'),
      seg('tool_output', 'O'),
      seg('model', 'A'),
    ]);
    expect(toAxolotlRow(r)).toEqual({
      id: 'r1',
      segments: [
        { text: 'P', label: false },
        { text: 'think code', label: true },
        { text: 'HO', label: false },
        { text: 'A', label: true },
      ],
    });
  });
});

describe('LLaMA-Factory sharegpt (template: empty)', () => {
  it('alternates masked human and trained gpt turns, starting masked and ending trained', () => {
    const r = record([
      seg('prompt', 'P'),
      seg('model', 'M1'),
      seg('hint', 'H'),
      seg('code', 'C'),
      seg('tool_output', 'O'),
      seg('model', 'M2'),
    ]);
    expect(toSharegptRow(r)).toEqual({
      row: {
        id: 'r1',
        conversations: [
          { from: 'human', value: 'P' },
          { from: 'gpt', value: 'M1' },
          { from: 'human', value: 'H' },
          { from: 'gpt', value: 'C' },
          { from: 'human', value: 'O' },
          { from: 'gpt', value: 'M2' },
        ],
      },
      droppedTrailingChars: 0,
    });
  });

  it('adds an empty first human turn when the text starts trained and reports dropped trailing masked text', () => {
    const r = record([seg('model', 'M'), seg('tool_output', 'tail')]);
    expect(toSharegptRow(r)).toEqual({
      row: {
        id: 'r1',
        conversations: [
          { from: 'human', value: '' },
          { from: 'gpt', value: 'M' },
        ],
      },
      droppedTrailingChars: 4,
    });
  });

  it('describes the directory in dataset_info.json', () => {
    expect(llamaFactoryDatasetInfo('rft_start', 'data')).toEqual({
      rft_start: {
        file_name: 'data',
        formatting: 'sharegpt',
        columns: { messages: 'conversations' },
        tags: { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt' },
      },
    });
  });
});
