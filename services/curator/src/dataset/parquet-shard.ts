import { parquetWriteBuffer } from 'hyparquet-writer';
import type { CanonicalRecord, TokenizedRecord } from './canonical-record.ts';

/**
 * Parquet shards with real nested columns (3-level LIST of STRUCT, LIST of INT32), read natively as
 * `list<struct<kind, text, train>>` by pyarrow, DuckDB and HF datasets (not as JSON strings).
 */

type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];

const CREATED_BY = 'rft-orchestrator curator';

function str(name: string, optional = false): SchemaElement {
  return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: optional ? 'OPTIONAL' : 'REQUIRED' };
}
function int32(name: string): SchemaElement {
  return { name, type: 'INT32', repetition_type: 'REQUIRED' };
}
function bool(name: string): SchemaElement {
  return { name, type: 'BOOLEAN', repetition_type: 'REQUIRED' };
}
/** `name: list<element>` in the standard 3-level layout; returns the group + list + element nodes. */
function list(name: string, element: SchemaElement[]): SchemaElement[] {
  return [
    { name, repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    ...element,
  ];
}

const CANONICAL_COLUMNS: SchemaElement[][] = [
  [str('id')],
  [str('question_id')],
  [str('question_kind')],
  [str('source', true)],
  [str('campaign_id')],
  [str('recipe')],
  [str('model_profile')],
  [str('tool_state', true)],
  [str('split')],
  list('segments', [{ name: 'element', repetition_type: 'REQUIRED', num_children: 3 }, str('kind'), str('text'), bool('train')]),
  [int32('tool_calls')],
  [int32('hints_inserted')],
  [bool('correct')],
  [str('grader_version')],
  [{ name: 'verdict_metrics', type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type: 'REQUIRED' }],
  [int32('num_tokens')],
  [int32('num_train_tokens')],
  [int32('num_straddle_tokens')],
  [int32('num_hint_tokens')],
  [int32('num_tool_output_tokens')],
];

function schemaOf(columns: SchemaElement[][]): SchemaElement[] {
  return [{ name: 'root', num_children: columns.length }, ...columns.flat()];
}

function toBytes(buffer: ArrayBuffer): Uint8Array {
  return new Uint8Array(buffer);
}

export function writeCanonicalParquet(records: readonly CanonicalRecord[], kv: Record<string, string>): Uint8Array {
  const col = <T>(f: (r: CanonicalRecord) => T) => records.map(f);
  return toBytes(
    parquetWriteBuffer({
      schema: schemaOf(CANONICAL_COLUMNS),
      createdBy: CREATED_BY,
      kvMetadata: Object.entries(kv).map(([key, value]) => ({ key, value })),
      columnData: [
        { name: 'id', data: col((r) => r.id) },
        { name: 'question_id', data: col((r) => r.questionId) },
        { name: 'question_kind', data: col((r) => r.questionKind) },
        { name: 'source', data: col((r) => r.source) },
        { name: 'campaign_id', data: col((r) => r.campaignId) },
        { name: 'recipe', data: col((r) => r.recipe) },
        { name: 'model_profile', data: col((r) => r.modelProfile) },
        { name: 'tool_state', data: col((r) => r.toolState) },
        { name: 'split', data: col((r) => r.split) },
        { name: 'segments', data: col((r) => r.segments.map((s) => ({ kind: s.kind, text: s.text, train: s.train }))) },
        { name: 'tool_calls', data: col((r) => r.toolCalls) },
        { name: 'hints_inserted', data: col((r) => r.hintsInserted) },
        { name: 'correct', data: col((r) => r.correct) },
        { name: 'grader_version', data: col((r) => r.graderVersion) },
        { name: 'verdict_metrics', data: col((r) => r.verdictMetrics) },
        { name: 'num_tokens', data: col((r) => r.numTokens) },
        { name: 'num_train_tokens', data: col((r) => r.numTrainTokens) },
        { name: 'num_straddle_tokens', data: col((r) => r.numStraddleTokens) },
        { name: 'num_hint_tokens', data: col((r) => r.numHintTokens) },
        { name: 'num_tool_output_tokens', data: col((r) => r.numToolOutputTokens) },
      ],
    }),
  );
}

const TRL_COLUMNS: SchemaElement[][] = [
  [str('id')],
  list('input_ids', [int32('element')]),
  list('assistant_masks', [{ name: 'element', type: 'INT32', converted_type: 'INT_8', repetition_type: 'REQUIRED' }]),
  list('labels', [int32('element')]),
];

/** TRL pre-tokenized rows: `input_ids: list<int32>`, `assistant_masks: list<int8>` (1 = trained), `labels`. */
export function writeTrlParquet(rows: readonly TokenizedRecord[], kv: Record<string, string>): Uint8Array {
  return toBytes(
    parquetWriteBuffer({
      schema: schemaOf(TRL_COLUMNS),
      createdBy: CREATED_BY,
      kvMetadata: Object.entries(kv).map(([key, value]) => ({ key, value })),
      columnData: [
        { name: 'id', data: rows.map((r) => r.record.id) },
        { name: 'input_ids', data: rows.map((r) => r.ids) },
        { name: 'assistant_masks', data: rows.map((r) => Array.from(r.trainMask)) },
        { name: 'labels', data: rows.map((r) => r.ids.map((id, i) => (r.trainMask[i] ? id : -100))) },
      ],
    }),
  );
}
