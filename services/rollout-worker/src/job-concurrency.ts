/**
 * How many rollout jobs (questions) a worker takes at once. Load is counted in trajectories: the
 * engines' adaptive limit says how many samples to keep in flight, and a job holds fewer samples in
 * flight than it plans, since its finished samples wait for its stragglers and its job slot stays
 * taken while the job stores them. Dividing the limit by the planned count would leave the limit
 * unfilled, and the limit only grows once it is filled. So the divisor is measured: an average of
 * samples in flight per active job.
 */
export class JobConcurrency {
  readonly maxJobs: number;
  #samplesPerJob: number;

  constructor(maxJobs: number, initialSamplesPerJob = 16) {
    if (!(maxJobs >= 1)) throw new Error(`maxJobs: must be at least 1, got ${maxJobs}`);
    this.maxJobs = maxJobs;
    this.#samplesPerJob = Math.max(1, initialSamplesPerJob);
  }

  get samplesPerJob(): number {
    return this.#samplesPerJob;
  }

  /** Folds in one observation of the worker and returns the job concurrency to use now. */
  observe(now: { sampleLimit: number; samplesInFlight: number; activeJobs: number }): number {
    if (now.activeJobs > 0) {
      const perJob = Math.max(1, now.samplesInFlight / now.activeJobs);
      this.#samplesPerJob = 0.8 * this.#samplesPerJob + 0.2 * perJob;
    }
    return Math.min(this.maxJobs, Math.max(1, Math.floor(now.sampleLimit / this.#samplesPerJob)));
  }
}
