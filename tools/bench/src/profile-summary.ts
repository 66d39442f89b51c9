import fs from 'node:fs';
import path from 'node:path';

/**
 * Summaries of V8 CPU profiles (`node --cpu-prof`, `.cpuprofile` JSON): per process, the
 * functions that spent the most self time (time on the CPU in the function itself, not in what
 * it called), from the profile's samples and their time deltas. `npm run bench -- --cpu-prof`
 * writes the gateway's and the ledger's profiles to bench/results/profiles/<run>/ and this
 * summary next to them (summary.json, summary.md); docs/performance.md shows the latest one.
 *
 * Run by hand on a directory of profiles: `node dist/tools/bench/src/profile-summary.js <dir> [top]`.
 */

export interface ProfileFunction {
  /** Function name (`(anonymous)` when it has none; `(garbage collector)`, `(program)` are V8's own). */
  name: string;
  /** File (relative to the repository, `node:` for Node's own) and line, 1-based. */
  location: string;
  selfMs: number;
  /** Share of the process's busy time (all samples but `(idle)`), %. */
  selfPercent: number;
}

export interface ProcessProfile {
  process: string;
  file: string;
  /** Wall time the profile covers, and the part of it the process was busy (not idle), ms. */
  profiledMs: number;
  busyMs: number;
  top: ProfileFunction[];
}

export interface ProfileSummary {
  /** The directory of the profiles, relative to the repository. */
  directory: string;
  recordedAt: string;
  processes: ProcessProfile[];
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** The top `count` functions by self time of one profile. Time deltas are µs; a sample's time is the delta that follows it. */
export function summarizeProfile(profile: CpuProfile, processName: string, file: string, repoRoot: string, count = 15): ProcessProfile {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const selfUs = new Map<string, { name: string; location: string; us: number }>();
  let idleUs = 0;
  let totalUs = 0;
  for (let i = 0; i < samples.length; i++) {
    const us = Math.max(0, deltas[i + 1] ?? 0);
    const frame = frames.get(samples[i]!);
    if (!frame) continue;
    totalUs += us;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const location = frame.url ? `${relativeUrl(frame.url, repoRoot)}:${frame.lineNumber + 1}` : '';
    const name = frame.functionName || '(anonymous)';
    const key = `${name}\u0000${location}`;
    const entry = selfUs.get(key) ?? selfUs.set(key, { name, location, us: 0 }).get(key)!;
    entry.us += us;
  }
  const busyUs = totalUs - idleUs;
  const top = [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, count)
    .map((entry) => ({ name: entry.name, location: entry.location, selfMs: Math.round(entry.us / 100) / 10, selfPercent: busyUs > 0 ? Math.round((1000 * entry.us) / busyUs) / 10 : 0 }));
  return { process: processName, file, profiledMs: Math.round((profile.endTime - profile.startTime) / 1000), busyMs: Math.round(busyUs / 1000), top };
}

function relativeUrl(url: string, repoRoot: string): string {
  const file = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  if (file.startsWith(`${repoRoot}/`)) return file.slice(repoRoot.length + 1);
  return file.startsWith('/') ? path.basename(file) : file;
}

/** Summarizes every `<process>.cpuprofile` of `directory`. */
export function summarizeDirectory(directory: string, repoRoot: string, count = 15): ProfileSummary {
  const files = fs.readdirSync(directory).filter((name) => name.endsWith('.cpuprofile')).sort();
  const processes = files.map((name) => summarizeProfile(JSON.parse(fs.readFileSync(path.join(directory, name), 'utf8')) as CpuProfile, name.replace(/\.cpuprofile$/, ''), name, repoRoot, count));
  const recordedAt = files.length > 0 ? fs.statSync(path.join(directory, files[0]!)).mtime.toISOString() : new Date().toISOString();
  return { directory: path.relative(repoRoot, path.resolve(directory)), recordedAt, processes };
}

/** The summary as markdown: one table per process. */
export function profileMarkdown(summary: ProfileSummary): string[] {
  const lines: string[] = [];
  for (const p of summary.processes) {
    lines.push(`**${p.process}** (\`${summary.directory}/${p.file}\`): busy ${(p.busyMs / 1000).toFixed(1)} s of ${(p.profiledMs / 1000).toFixed(1)} s profiled; top functions by self time:`, '');
    lines.push('| function | where | self ms | % of busy |', '| --- | --- | --- | --- |');
    for (const f of p.top) lines.push(`| \`${f.name}\` | ${f.location ? `\`${f.location}\`` : '—'} | ${f.selfMs.toLocaleString('en-US')} | ${f.selfPercent.toFixed(1)} |`);
    lines.push('');
  }
  return lines;
}

if (require.main === module) {
  const [directory, top] = process.argv.slice(2);
  if (!directory) {
    process.stderr.write('usage: node dist/tools/bench/src/profile-summary.js <directory of .cpuprofile files> [top]\n');
    process.exit(64);
  }
  const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
  const summary = summarizeDirectory(directory, repoRoot, top ? Number(top) : 15);
  fs.writeFileSync(path.join(directory, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  fs.writeFileSync(path.join(directory, 'summary.md'), `${profileMarkdown(summary).join('\n')}\n`);
  process.stdout.write(`${profileMarkdown(summary).join('\n')}\n`);
}
