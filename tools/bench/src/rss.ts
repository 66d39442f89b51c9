import fs from 'node:fs';

/** Resident memory of a process from /proc/<pid>/status, MB (Linux); undefined when it is gone. */
export interface Memory {
  /** VmRSS: resident now. */
  rssMb: number;
  /** VmHWM: the most it was ever resident (peak RSS). */
  peakMb: number;
}

export function readMemory(pid: number | undefined): Memory | undefined {
  if (!pid) return undefined;
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  const rss = kb('VmRSS');
  const peak = kb('VmHWM');
  // A process that has exited but is not reaped yet (zombie) has no memory lines.
  if (!Number.isFinite(rss) || !Number.isFinite(peak)) return undefined;
  return { rssMb: Math.round(rss / 102.4) / 10, peakMb: Math.round(peak / 102.4) / 10 };
}

/**
 * Process ids listening on the given TCP ports on this machine (/proc/net/tcp{,6} → socket inode
 * → /proc/<pid>/fd), for a system the bench did not start. Ports with no visible owner are absent.
 */
export function pidsListeningOn(ports: Record<string, number>): Record<string, number> {
  const inodes = new Map<string, number>();
  const wanted = new Set(Object.values(ports));
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      if (columns.length < 10 || columns[3] !== '0A') continue; // 0A: LISTEN
      const port = parseInt(columns[1].split(':')[1], 16);
      if (wanted.has(port)) inodes.set(columns[9], port);
    }
  }
  const owners = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link = '';
      try {
        link = fs.readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode && inodes.has(inode)) owners.set(inodes.get(inode)!, Number(entry));
    }
  }
  const pids: Record<string, number> = {};
  for (const [name, port] of Object.entries(ports)) {
    const pid = owners.get(port);
    if (pid) pids[name] = pid;
  }
  return pids;
}
