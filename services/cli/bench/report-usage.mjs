// Preloaded (node --import) into a benchmarked `rft`: at exit, prints the time since the process
// started and its CPU time, so the bench can separate the CLI's own cost from a loaded machine's
// scheduling delays.
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(`RFT_BENCH ${JSON.stringify({ sinceStartMs: performance.now(), cpuMs: (user + system) / 1000 })}\n`);
});
