/**
 * The one rule for a step scale, the factor that shortens (or lengthens) a
 * recipe: the chapter's steps, airbench's epochs, the notebooks' setting.
 */

/** Ten times a recipe is already hours on two cores; beyond that a typo is likelier than intent. */
const MAX_STEP_SCALE = 10;

/** `stepScale`, or an error saying what is expected (a number in (0, 10], e.g. 0.1 for a tenth of the training). */
export function checkStepScale(stepScale: number): number {
  if (!(stepScale > 0 && stepScale <= MAX_STEP_SCALE)) {
    throw new Error(`stepScale ${stepScale} is not valid: expected a number in (0, ${MAX_STEP_SCALE}], e.g. 0.1 for a tenth of the training.`);
  }
  return stepScale;
}
