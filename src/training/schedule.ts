/**
 * A triangular learning-rate schedule (airbench's): a multiplier of the base
 * learning rate rising linearly from `start` to `peak` over the first
 * `peakFraction` of the steps, then falling linearly to `end` at the last step.
 * The short warm-up keeps the first steps from wrecking the freshly
 * initialised network; the long decay lets the weights settle.
 */

export interface TriangularSchedule {
  start: number;
  peak: number;
  end: number;
  /** Where the peak is, as a fraction of all steps. */
  peakFraction: number;
}

/** The multiplier at `step` (0 to totalSteps) of a run of `totalSteps` steps. */
export function triangularMultiplier(step: number, totalSteps: number, schedule: TriangularSchedule): number {
  if (!Number.isInteger(totalSteps) || totalSteps < 1) {
    throw new Error(`triangularMultiplier: totalSteps must be a whole number ≥ 1, got ${totalSteps}.`);
  }
  if (!(step >= 0 && step <= totalSteps)) {
    throw new Error(`triangularMultiplier: step ${step} is outside the run's 0 to ${totalSteps} steps.`);
  }
  if (!(schedule.peakFraction >= 0 && schedule.peakFraction < 1)) {
    throw new Error(`triangularMultiplier: peakFraction must be from 0 up to (not including) 1, got ${schedule.peakFraction}.`);
  }
  // The multiplier scales the learning rate, so it must be a finite number ≥ 0 at every step.
  for (const key of ["start", "peak", "end"] as const) {
    if (!(schedule[key] >= 0) || !Number.isFinite(schedule[key])) {
      throw new Error(`triangularMultiplier: ${key} must be a finite number ≥ 0, got ${schedule[key]}.`);
    }
  }
  const peakStep = Math.floor(schedule.peakFraction * totalSteps);
  if (step < peakStep) {
    return schedule.start + ((schedule.peak - schedule.start) * step) / peakStep;
  }
  return schedule.peak + ((schedule.end - schedule.peak) * (step - peakStep)) / (totalSteps - peakStep);
}
