import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './harness';
import { LoadConfig } from './load-types';
import { readMemory } from './rss';

/** Spawning the bench's own children and the repository's compiled CLIs, with the path aliases registered. */

const register = path.join(repoRoot, 'tools', 'scripts', 'register-paths.js');
const loadChild = path.join(repoRoot, 'dist', 'tools', 'bench', 'src', 'load-child.js');

const maxRssPreload = path.join(repoRoot, 'dist', 'tools', 'bench', 'src', 'maxrss-preload.js');

export function spawnNode(main: string, args: string[], env: NodeJS.ProcessEnv, preload: string[] = []): ChildProcess {
  const requires = [register, ...preload].flatMap((file) => ['-r', file]);
  return spawn(process.execPath, [...requires, main, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs one load in a child process; resolves the JSON of its last stdout line. */
export function runChild<T>(config: LoadConfig): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawnNode(loadChild, [], { ...process.env, BENCH_LOAD_CONFIG: JSON.stringify(config) });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as T);
      else reject(new Error(`load child (${config.mode}) exited ${code}: ${stderr.trim().slice(-2000) || stdout.slice(-500)}`));
    });
  });
}

/** A long-running child that prints JSON lines (the relay): resolves when its first line arrives. */
export interface RunningChild {
  pid: number;
  /** The first line the child printed, parsed when it is JSON (e.g. the port it listens on). */
  ready: Record<string, unknown>;
  /** Sends SIGTERM; resolves its last JSON line. */
  stop(): Promise<Record<string, unknown>>;
}

export async function startChild(config: LoadConfig): Promise<RunningChild> {
  const child = spawnNode(loadChild, [], { ...process.env, BENCH_LOAD_CONFIG: JSON.stringify(config) });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('\n')) resolve();
    });
    void exited.then((code) => reject(new Error(`child (${config.mode}) exited ${code} before it was ready: ${stderr.slice(-2000)}`)));
  });
  const first = stdout.split('\n')[0] ?? '';
  return {
    pid: child.pid!,
    ready: first.startsWith('{') ? (JSON.parse(first) as Record<string, unknown>) : {},
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '{}';
      if (code !== 0) throw new Error(`child (${config.mode}) exited ${code}: ${stderr.slice(-2000)}`);
      return JSON.parse(last) as Record<string, unknown>;
    },
  };
}

/** A compiled CLI run to completion with its memory sampled every `sampleMs` from /proc. */
export interface MeasuredRun {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
  /** [ms since start, RSS MB] samples. */
  rssSeries: [number, number][];
  /** Highest VmHWM seen (peak RSS), MB. */
  peakRssMb: number;
  /** With `progressPattern`: [done, total, RSS MB when the line arrived] for each progress line on stderr. */
  progress: [number, number, number][];
}

/**
 * Runs `main` to completion, sampling its RSS every `sampleMs`; with `progressPattern` (two
 * groups: done, total), also samples it at each matching stderr line, so memory can be read
 * against work done rather than time.
 */
export function runMeasured(main: string, args: string[], env: NodeJS.ProcessEnv, progressPattern?: RegExp, sampleMs = 100): Promise<MeasuredRun> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawnNode(main, args, env, [maxRssPreload]);
    let stdout = '';
    let stderr = '';
    const rssSeries: [number, number][] = [];
    const progress: [number, number, number][] = [];
    let partial = '';
    let peakRssMb = 0;
    const sample = () => {
      const memory = readMemory(child.pid);
      if (!memory) return;
      rssSeries.push([Math.round(performance.now() - startedAt), memory.rssMb]);
      peakRssMb = Math.max(peakRssMb, memory.peakMb);
    };
    const timer = setInterval(sample, sampleMs);
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk;
      if (!progressPattern) return;
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const match = progressPattern.exec(line);
        const memory = match ? readMemory(child.pid) : undefined;
        if (match && memory) progress.push([Number(match[1]), Number(match[2]), memory.rssMb]);
      }
    });
    child.on('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    // 'close', not 'exit': every byte of stdout and stderr has arrived.
    child.on('close', (code) => {
      clearInterval(timer);
      const reported = /BENCH_MAXRSS_KB=(\d+)/.exec(stderr);
      if (reported) peakRssMb = Math.max(peakRssMb, Math.round(Number(reported[1]) / 102.4) / 10);
      resolve({ code, stdout, stderr, elapsedMs: Math.round(performance.now() - startedAt), rssSeries, peakRssMb, progress });
    });
  });
}
