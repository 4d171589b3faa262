import type { Migration } from 'kysely/migration';
import * as ledger from './0001-ledger.ts';
import * as controlPlane from './0002-control-plane.ts';
import * as trainingRunStates from './0003-training-run-states.ts';
import * as shardRollupWatermark from './0004-shard-rollup-watermark.ts';
import * as campaignEndStates from './0005-campaign-end-states.ts';
import * as pipelinesAndModels from './0006-pipelines-and-models.ts';
import * as pipelineFilesAndBenchmarks from './0007-pipeline-files-and-benchmarks.ts';
import * as datasetNameIndex from './0008-dataset-name-index.ts';
import * as pipelineTeam from './0009-pipeline-team.ts';

/** Every migration, in order. Append only; names are frozen once shipped. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-ledger': ledger,
  '0002-control-plane': controlPlane,
  '0003-training-run-states': trainingRunStates,
  '0004-shard-rollup-watermark': shardRollupWatermark,
  '0005-campaign-end-states': campaignEndStates,
  '0006-pipelines-and-models': pipelinesAndModels,
  '0007-pipeline-files-and-benchmarks': pipelineFilesAndBenchmarks,
  '0008-dataset-name-index': datasetNameIndex,
  '0009-pipeline-team': pipelineTeam,
};
