/**
 * misalign/node: run folders on disk (Node only). `misalign train --out DIR`
 * and `misalign eval DIR` are these calls plus formatting.
 *
 *   DIR/config.json, checkpoint.bin, train_log.csv, metrics.json, metrics.csv
 */
export { trainRunDir, evalRunDir, downstreamRunDir, readRunConfig, readRunConfigFile, parseRunConfig, settingsOfConfig, FILES, type TrainRunOptions, type DownstreamRunOptions } from './experiments/run-dir.js';
export { readCheckpoint, writeCheckpoint, encodeCheckpoint, decodeCheckpoint, configIdentity } from './experiments/checkpoint.js';
export { writeAtomic, writeJson, writeCsv, ensureWritableDir } from './experiments/files.js';
export { runSweep, summarizeSweepDir, loadGrid, runId, SWEEP_FILES, type SweepOptions, type SweepResult, type SweepEvent } from './sweeps/sweep.js';
export { inProcessExecutor, performTask, type RunExecutor, type RunTask } from './sweeps/executor.js';
export { processExecutor } from './sweeps/process-executor.js';
export { readInvocations, readSweepTime, sweepTime, INVOCATIONS_DIR, type Invocation, type SweepTime } from './sweeps/invocations.js';
export { writeReport, REPORT_DIR, type ReportResult } from './reports/report.js';
export { svgToPng } from './reports/png.js';
export { Mpi3dFile, parseNpyHeader, type NpyHeader } from './scenes/mpi3d-file.js';
export { trainMpi3dRunDir, type Mpi3dRunOptions } from './experiments/mpi3d-dir.js';
export { trainC3dRunDir, C3D_METRIC_COLUMNS, type C3dRunOptions } from './experiments/causal3d-dir.js';
