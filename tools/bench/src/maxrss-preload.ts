/**
 * Preloaded (`node -r`) into a CLI the bench measures: at exit, writes the process's peak resident
 * memory (`process.resourceUsage().maxRSS`, kB) to stderr as `BENCH_MAXRSS_KB=<n>`, so the peak is
 * exact even if it happened after the last /proc sample.
 */
process.on('exit', () => {
  process.stderr.write(`\nBENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
});
