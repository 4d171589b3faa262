/**
 * Node flags the sandbox service is started with, wherever it runs (Kubernetes, compose, `npm start`,
 * the demo, the chaos and scale suites).
 *
 * The service is a relay: per request it parses a small body, queues it and writes it to a fork
 * server, so almost nothing it allocates lives long. V8 still sizes its young generation to the
 * request rate, and left alone it grows it to 128 MiB (2 x 64 MiB semi-spaces) at a few hundred
 * requests a second: the sandbox's 17.9% RSS growth over the 100,000-question scale run. Capped at
 * 16 MiB per semi-space the service ran 50-80 MiB lower at the same exec/s in
 * `npm run bench:sandbox-soak -- --mode sessions` (8 MiB promoted more to the old generation and
 * ended higher); RSS can still step up to the largest old generation the load needed. Replaying the
 * 100,000-question run's sandbox load for its 123 minutes: 4.1% growth capped, 16.8% with Node's
 * defaults (figures in tests/scale/README.md). The flag cannot be set from inside the process
 * (`v8.setFlagsFromString` after start does not resize the heap), so every launcher passes it.
 */
export const SANDBOX_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];

/** The flags of SANDBOX_NODE_FLAGS that this process was not started with (argv or NODE_OPTIONS). */
export function missingSandboxNodeFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)].filter(Boolean));
  return SANDBOX_NODE_FLAGS.filter((flag) => !given.has(flag));
}
