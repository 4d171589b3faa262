import { describe, expect, it } from 'vitest';
import {
  formatRepetitionReport,
  loadRealTraces,
  realTracesLocation,
  repetitionOnRealTraces,
  SYNTHETIC_LOOP_KINDS,
  syntheticLoopDetection,
  traceSegments,
} from './real-traces.ts';

const { dir, looked } = realTracesLocation();
const synthetic = syntheticLoopDetection(10);

describe('repetition detector on synthetic degenerate loops', () => {
  it(`catches at least 95% of ${SYNTHETIC_LOOP_KINDS.length} kinds of loop`, () => {
    expect(synthetic.total).toBe(10 * SYNTHETIC_LOOP_KINDS.length);
    expect(synthetic.caught / synthetic.total, `missed: ${synthetic.missed.join(', ')}`).toBeGreaterThanOrEqual(0.95);
  });
});

if (dir === null) {
  // A clone of the repository alone has no reference data: say so loudly, as a test of its own, and pass.
  const banner = '!'.repeat(100);
  console.warn(
    `${banner}\nreal traces not available at ${looked}: the repetition detector is NOT checked against real model outputs.\n` +
      `Set RFT_SHARED_DIR to the directory holding benchmarks/real-traces/ to run these checks.\n${banner}`,
  );
  describe('repetition detector on real model outputs', () => {
    it(`real traces not available at ${looked}`, () => {
      expect(dir).toBeNull();
    });
  });
} else {
  const traces = loadRealTraces(dir);
  const report = repetitionOnRealTraces(traces);
  console.info(`repetition detector on ${dir}:\n${formatRepetitionReport(report, synthetic)}`);

  describe(`repetition detector on real model outputs (${dir})`, () => {
    it('reads every trace, finished ones and marked loops among them', () => {
      expect(traces.length).toBeGreaterThan(0);
      expect(report.finished.total).toBeGreaterThan(0);
      expect(report.finishedCorrect.total).toBeGreaterThan(0);
      expect(report.markedLoops.total).toBeGreaterThan(0);
    });

    it('flags no finished real trace (a threshold that rejects real reasoning fails here)', () => {
      expect(report.finished.flagged).toEqual([]);
      expect(report.finishedCorrect.flagged).toEqual([]);
    });

    it('catches every marked verbatim loop', () => {
      expect(report.markedLoops.flagged).toHaveLength(report.markedLoops.total);
    });

    it("leaves ToRA's inserted output blocks out of the model's text", () => {
      const tora = traces.find((t) => t.response.includes('```output'));
      expect(tora, 'a trace with an output block').toBeDefined();
      const segments = traceSegments(tora!);
      expect(segments.map((s) => s.text).join('')).toBe(tora!.response);
      expect(segments.some((s) => s.kind === 'tool_output' && s.text.startsWith('```output'))).toBe(true);
    });
  });
}
