/**
 * misalign/node: runs, sweeps and reports on disk (Node only). `misalign
 * train`, `eval`, `sweep`, `report` and `reproduce` are these calls plus
 * formatting.
 *
 *   run folder:   DIR/config.json, checkpoint.bin, train_log.csv, metrics.json, metrics.csv
 *                 (and from `misalign train`/`report`: loss.svg/.png, scores.svg/.png, index.html)
 *   sweep folder: DIR/grids/, runs/<id>/, summary.json, summary.csv, report/
 */
export {
  trainRunDir,
  evalRunDir,
  downstreamRunDir,
  readRunConfig,
  readRunConfigFile,
  parseRunConfig,
  readCheckpoint,
  writeCheckpoint,
  FILES,
  type TrainRunOptions,
} from './experiments/run-dir.js';
export {
  runSweep,
  summarizeSweepDir,
  readSweepRuns,
  loadGrid,
  runId,
  SWEEP_FILES,
  type SweepOptions,
  type SweepResult,
  type SweepEvent,
} from './sweeps/sweep.js';
export { inProcessExecutor, performTask, type RunExecutor, type RunTask } from './sweeps/executor.js';
export { processExecutor } from './sweeps/process-executor.js';
export { resolveShard, shardFromEnv, planShards, estimatedSeconds, type Shard, type ShardPlan, type CostedRun } from './sweeps/shards.js';
export { slurmScripts, writeSlurmScripts, type SlurmOptions, type SlurmScripts } from './sweeps/slurm.js';
export { claimRun, readRunClaim, type RunClaim, type ClaimRecord, type ClaimOptions } from './sweeps/claims.js';
export { readSweepTime, type SweepTime } from './sweeps/invocations.js';
export { writeReport, REPORT_DIR, type ReportResult } from './reports/report.js';
export { runReport, type RunReportResult } from './reports/run-report.js';
export { reproduce, studyRuns, STUDY_GRIDS, type ReproduceOptions } from './reports/reproduce.js';
export { svgToPng } from './reports/png.js';
export { Mpi3dFile } from './scenes/mpi3d-file.js';
export { NpyFile } from './common/npy-file.js';
export { probeEmbeddingFiles, openEmbeddings, readFactors, type FactorRows, type ProbeFilesOptions, type ProbeFilesResult } from './probes/embedding-files.js';
export { writeProbeResults } from './reports/probe-report.js';
export { exportRunEmbeddings, type ExportedEmbeddings } from './experiments/embeddings-export.js';
