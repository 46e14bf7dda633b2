/**
 * A real, private Slurm cluster on this machine, for integration tests.
 *
 * startSlurm() starts munged, slurmctld and slurmd (Debian packages `munge` and
 * `slurm-wlm`) as child processes, every file of theirs (munge key, sockets,
 * slurm.conf, state, spool, logs) in one fresh temporary folder and on ports
 * found free, with one node named after this machine, reached on 127.0.0.1.
 * Commands run through LocalSlurm.run/env talk to that cluster only.
 *
 * It never skips: a missing binary, a daemon that exits or a node that does not
 * come up throws one line saying why, after stopping what it had started.
 * Call stop() in afterAll/finally; a process 'exit' handler kills what is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { hostname, tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface LocalSlurm {
  /** process.env without inherited SLURM_* variables, plus SLURM_CONF of this cluster. */
  env: NodeJS.ProcessEnv;
  /** The temporary folder holding the cluster's files (removed by stop()). */
  dir: string;
  /** The node's name (this machine's short hostname). */
  node: string;
  /** Runs a command (sbatch, squeue, ...) against this cluster, in `dir`; never throws on a non-zero exit. */
  run(cmd: string, args: string[], options?: { cwd?: string; timeoutMs?: number }): Promise<RunResult>;
  /**
   * Waits until every job has ended and gives its final state (COMPLETED, FAILED,
   * CANCELLED, TIMEOUT, ...). An id may be a job ("12"), an array ("12": also gives
   * each task as "12_N"; its own state is the tasks' distinct states joined by ",")
   * or an array task ("12_3"). NOT_FOUND: Slurm has no record (a task cancelled
   * while still pending leaves none). Throws if the timeout passes first.
   */
  waitForJobs(jobIds: string[], timeoutMs: number): Promise<Map<string, string>>;
  /** Cancels what is left, stops the daemons and removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

const BINARIES = ['munged', 'munge', 'unmunge', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo', 'scontrol', 'scancel'];
const ENDED = new Set(['BOOT_FAIL', 'CANCELLED', 'COMPLETED', 'DEADLINE', 'FAILED', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'TIMEOUT']);
const START_TIMEOUT_MS = 30_000;

/** Daemons and folders not yet stopped or removed: what the 'exit' handler clears. */
const live = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHandlerSet = false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A daemon run in the foreground, with the tail of what it printed. */
class Daemon {
  readonly proc: ChildProcess;
  private lines: string[] = [];
  exitCode: number | null | undefined = undefined;
  exitSignal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    cmd: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    private readonly logFile: string,
  ) {
    this.proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.proc);
    const keep = (chunk: Buffer) => {
      this.lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((l) => l.trim() !== ''),
      );
      if (this.lines.length > 200) this.lines.splice(0, this.lines.length - 200);
    };
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.proc.on('error', (e) => {
        this.lines.push(e.message);
        this.exitCode = null;
        live.delete(this.proc);
        resolve();
      });
      this.proc.on('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        live.delete(this.proc);
        resolve();
      });
    });
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** What best says why it stopped: its last fatal line and the error just before it, else its last line. */
  async lastWords(): Promise<string> {
    let lines = this.lines;
    if (lines.length === 0 && existsSync(this.logFile)) {
      lines = (await readFile(this.logFile, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    }
    const lastMatch = (re: RegExp, upTo = lines.length) => {
      for (let i = upTo - 1; i >= 0; i--) if (re.test(lines[i]!)) return i;
      return -1;
    };
    const fatal = lastMatch(/fatal/i);
    const error = lastMatch(/error/i, fatal < 0 ? lines.length : fatal);
    if (fatal < 0) return (lines[error] ?? lines.at(-1) ?? '(no output)').trim();
    return [lines[error], lines[fatal]]
      .filter((l) => l !== undefined)
      .map((l) => l!.trim())
      .join(' / ');
  }

  async describeExit(): Promise<string> {
    const how = this.exitSignal ? `signal ${this.exitSignal}` : `code ${this.exitCode}`;
    return `${this.name} exited with ${how}: ${await this.lastWords()}`;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}

function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

/** A TCP port free right now (the OS's pick). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function runIn(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs = 60_000, input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const t = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs} ms)`;
      p.kill('SIGKILL');
    }, timeoutMs);
    p.on('error', (e) => {
      clearTimeout(t);
      reject(new Error(`cannot run ${cmd}: ${e.message}`));
    });
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
    if (p.stdin) {
      p.stdin.on('error', () => undefined); // a command that exits without reading its input
      p.stdin.end(input);
    }
  });
}

function slurmConf(o: { dir: string; node: string; cpus: number; ctldPort: number; slurmdPort: number; mungeSocket: string }): string {
  const { dir } = o;
  return `# Written by test/helpers/slurm.ts: a one-node cluster for tests.
ClusterName=misalign-test
SlurmctldHost=${o.node}(127.0.0.1)
SlurmctldPort=${o.ctldPort}
SlurmdPort=${o.slurmdPort}
SlurmUser=root
SlurmdUser=root
# cred_expire also sets how long a requeued job waits before it may start again (default 120 s).
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${o.mungeSocket},cred_expire=10
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd.pid
SlurmctldLogFile=${dir}/slurmctld.log
SlurmdLogFile=${dir}/slurmd.log
# No cgroups: plain /proc process tracking and no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
# Schedule often: jobs that became eligible (requeued, dependency met) start within seconds.
SchedulerParameters=sched_interval=2,bf_interval=1
# A job whose dependency can never be met is cancelled instead of pending forever.
DependencyParameters=kill_invalid_depend
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# Ended jobs stay visible to 'scontrol show job' for 10 minutes.
MinJobAge=600
# Trust the node line below rather than the hardware, so any CPU count works.
SlurmdParameters=config_overrides
NodeName=${o.node} NodeAddr=127.0.0.1 NodeHostname=${o.node} CPUs=${o.cpus} RealMemory=1024 State=UNKNOWN
PartitionName=debug Default=YES Nodes=ALL MaxTime=INFINITE State=UP
`;
}

/** Parses `scontrol show job -o` (one job record a line). */
function parseJobs(text: string): { jobId: string; arrayJobId?: string; arrayTaskId?: string; state: string }[] {
  const field = (line: string, name: string) => new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(line)?.[1];
  return text
    .split('\n')
    .filter((l) => /(?:^|\s)JobId=/.test(l))
    .map((l) => ({
      jobId: field(l, 'JobId') ?? '',
      arrayJobId: field(l, 'ArrayJobId'),
      arrayTaskId: field(l, 'ArrayTaskId'),
      state: field(l, 'JobState') ?? 'UNKNOWN',
    }));
}

/** Whether an ArrayTaskId such as "3", "2-3", "0-7:2" or "1,4-5%2" covers task `t`. */
function coversTask(spec: string, t: number): boolean {
  return spec
    .split('%')[0]!
    .split(',')
    .some((part) => {
      const [range, step = '1'] = part.split(':');
      const [lo, hi = lo] = range!.split('-').map(Number);
      return t >= lo! && t <= hi! && (t - lo!) % Number(step) === 0;
    });
}

/**
 * Installs Debian's slurm-wlm and munge when binaries are missing, as root on
 * a machine with apt-get (as .ci/run does; so `npm test` works on a fresh
 * Debian machine too); elsewhere the caller's error says what to install.
 */
async function installIfMissing(): Promise<string[]> {
  const missing = () => BINARIES.filter((b) => !findBinary(b));
  if (missing().length === 0 || process.getuid?.() !== 0 || !findBinary('apt-get')) return missing();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'slurm-wlm', 'munge']]) {
    const r = await runIn('apt-get', args, env, tmpdir(), 600_000);
    if (r.code !== 0) throw new Error(`Slurm test cluster: apt-get ${args[0]} failed (${r.code}): ${r.stderr.trim().split('\n').pop() ?? ''}`);
  }
  return missing();
}

export async function startSlurm(options: { cpus?: number } = {}): Promise<LocalSlurm> {
  const missing = await installIfMissing();
  if (missing.length > 0) {
    throw new Error(`Slurm test cluster: not found on PATH: ${missing.join(', ')} (install the Debian packages slurm-wlm and munge)`);
  }
  const cpus = options.cpus ?? 2;
  if (!Number.isInteger(cpus) || cpus < 1) throw new Error(`Slurm test cluster: cpus must be a positive integer, not ${cpus}`);
  if (process.getuid?.() !== 0) {
    throw new Error('Slurm test cluster: must run as root (SlurmUser=root, munged key owned by root)');
  }

  const node = hostname().split('.')[0]!;
  const dir = await mkdtemp(join(tmpdir(), 'misalign-slurm-'));
  liveDirs.add(dir);
  // munged insists that every user may search the folder of its socket.
  await chmod(dir, 0o755);
  const conf = join(dir, 'slurm.conf');
  const mungeSocket = join(dir, 'munge.sock');
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM_')));
  env.SLURM_CONF = conf;
  env.PATH = [env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(delimiter);

  const daemons: Daemon[] = [];
  let stopped: Promise<void> | undefined;
  const run = (cmd: string, args: string[], o: { cwd?: string; timeoutMs?: number } = {}) => runIn(cmd, args, env, o.cwd ?? dir, o.timeoutMs);

  const stop = () =>
    (stopped ??= (async () => {
      const ctld = daemons.find((d) => d.name === 'slurmctld');
      if (ctld?.running && daemons.find((d) => d.name === 'slurmd')?.running) {
        // Cancel every job and give running ones a moment to end, so no slurmstepd outlives the cluster.
        await run('scancel', ['--user', userInfo().username], { timeoutMs: 10_000 }).catch(() => undefined);
        for (let i = 0; i < 20; i++) {
          const q = await run('squeue', ['-h', '-t', 'RUNNING,COMPLETING,CONFIGURING', '-o', '%i'], { timeoutMs: 5_000 }).catch(() => undefined);
          if (q?.code !== 0 || q.stdout.trim() === '') break;
          await sleep(250);
        }
      }
      for (const name of ['slurmd', 'slurmctld', 'munged']) {
        await daemons.find((d) => d.name === name)?.stop();
      }
      await rm(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
    })());

  const fail = async (why: string): Promise<never> => {
    await stop();
    throw new Error(`Slurm test cluster: ${why}`);
  };

  /** Polls `ready` until it holds; fails if a daemon exits or the time runs out. */
  const waitFor = async (what: string, ready: () => Promise<string | true>): Promise<void> => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let last = '';
    for (;;) {
      const r = await ready();
      if (r === true) return;
      last = r;
      const dead = daemons.find((d) => !d.running);
      if (dead) return fail(await dead.describeExit());
      if (Date.now() > deadline) return fail(`${what} not ready after ${START_TIMEOUT_MS / 1000} s (${last})`);
      await sleep(250);
    }
  };

  if (!exitHandlerSet) {
    exitHandlerSet = true;
    process.on('exit', () => {
      for (const p of live) p.kill('SIGKILL');
      for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
    });
  }

  try {
    // MUNGE: a key of our own and a daemon on a socket of our own.
    await writeFile(join(dir, 'munge.key'), randomBytes(1024), { mode: 0o400 });
    daemons.push(
      new Daemon(
        'munged',
        'munged',
        [
          '--foreground',
          `--key-file=${join(dir, 'munge.key')}`,
          `--socket=${mungeSocket}`,
          `--pid-file=${join(dir, 'munged.pid')}`,
          `--log-file=${join(dir, 'munged.log')}`,
          `--seed-file=${join(dir, 'munged.seed')}`,
        ],
        env,
        join(dir, 'munged.log'),
      ),
    );
    await waitFor('munged', async () => {
      const cred = await run('munge', ['-n', '--socket', mungeSocket], { timeoutMs: 5_000 });
      if (cred.code !== 0) return cred.stderr.trim();
      const check = await runIn('unmunge', ['--socket', mungeSocket], env, dir, 5_000, cred.stdout);
      return check.code === 0 || check.stderr.trim();
    });

    // Slurm: controller first, then the node daemon; the node must come up idle.
    await mkdir(join(dir, 'state'));
    await mkdir(join(dir, 'spool'));
    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    await writeFile(conf, slurmConf({ dir, node, cpus, ctldPort: ctldPort!, slurmdPort: slurmdPort!, mungeSocket }));
    daemons.push(new Daemon('slurmctld', 'slurmctld', ['-D', '-f', conf], env, join(dir, 'slurmctld.log')));
    await waitFor('slurmctld', async () => {
      const r = await run('scontrol', ['ping'], { timeoutMs: 5_000 });
      return /is UP/.test(r.stdout) || (r.stdout + r.stderr).trim();
    });
    daemons.push(new Daemon('slurmd', 'slurmd', ['-D', '-f', conf, '-N', node], env, join(dir, 'slurmd.log')));
    await waitFor('node', async () => {
      const r = await run('sinfo', ['-h', '-o', '%T'], { timeoutMs: 5_000 });
      const state = r.stdout.trim();
      return state === 'idle' || `sinfo says '${state || r.stderr.trim()}'`;
    });
  } catch (e) {
    await stop();
    throw e;
  }

  const waitForJobs = async (jobIds: string[], timeoutMs: number): Promise<Map<string, string>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const dead = daemons.find((d) => !d.running);
      if (dead) throw new Error(`Slurm test cluster: ${await dead.describeExit()}`);
      const r = await run('scontrol', ['show', 'job', '-o'], { timeoutMs: 10_000 });
      if (r.code !== 0) throw new Error(`scontrol show job failed (code ${r.code}): ${r.stderr.trim()}`);
      const jobs = parseJobs(r.stdout);
      const states = new Map<string, string>();
      let done = true;
      for (const id of jobIds) {
        const [jobId, task] = id.split('_');
        let found: typeof jobs;
        if (task !== undefined) {
          found = jobs.filter((j) => j.arrayJobId === jobId && j.arrayTaskId !== undefined && coversTask(j.arrayTaskId, Number(task)));
        } else {
          const tasks = jobs.filter((j) => j.arrayJobId === jobId);
          found = tasks.length > 0 ? tasks : jobs.filter((j) => j.jobId === jobId);
          if (tasks.length > 0) for (const t of tasks) states.set(`${jobId}_${t.arrayTaskId}`, t.state);
        }
        if (found.some((j) => !ENDED.has(j.state))) done = false;
        states.set(id, found.length === 0 ? 'NOT_FOUND' : [...new Set(found.map((j) => j.state))].sort().join(','));
      }
      if (done) return states;
      if (Date.now() > deadline) {
        const now = [...states].map(([k, v]) => `${k}=${v}`).join(' ');
        throw new Error(`Slurm jobs not ended after ${timeoutMs} ms: ${now}`);
      }
      await sleep(250);
    }
  };

  return { env, dir, node, run, waitForJobs, stop };
}
