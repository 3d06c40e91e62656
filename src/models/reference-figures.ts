/**
 * Accuracies the notebooks compare their own runs with. The chapter's figures are what the
 * chapter printed; the Python figures come from running the chapter's own code with
 * TensorFlow 2.21 on this project's machine and data (README, "Results"). Notebook prose may
 * quote only the chapter's figures; everything measured is printed by code from here or
 * from results/ (tests/jupyter/notebook-prose.test.ts).
 */
import { localized } from "../language";
import type { ModelKey } from "./registry";

export interface ReferenceFigures {
  /** The chapter's printed test accuracy (the MNIST figure is the chapter's "about 98.8%"). */
  chapterAccuracy: number;
  /** The chapter's own code in Python TensorFlow 2.21 on our data: one accuracy per run, and the runs' training times. */
  python: { accuracies: number[]; seconds: number[] };
}

export const REFERENCE_FIGURES: Record<ModelKey, ReferenceFigures> = {
  mnist: { chapterAccuracy: 0.988, python: { accuracies: [0.989], seconds: [151] } },
  "cifar-simple": { chapterAccuracy: 0.7076, python: { accuracies: [0.7048], seconds: [406] } },
  "cifar-3conv": { chapterAccuracy: 0.7202, python: { accuracies: [0.7141], seconds: [433] } },
  // The chapter's figure is a second run of the 3-conv model (notebook 4.3 explains why).
  "cifar-reduced": { chapterAccuracy: 0.713, python: { accuracies: [0.5432, 0.5171], seconds: [807, 870] } },
};

/** "98.90% in 151 s", or "54.32% and 51.71% in 807–870 s" for several runs. */
export function describePythonRuns(key: ModelKey): string {
  const { accuracies, seconds } = REFERENCE_FIGURES[key].python;
  const times = Math.min(...seconds) === Math.max(...seconds) ? `${seconds[0]}` : `${Math.min(...seconds)}–${Math.max(...seconds)}`;
  const percents = accuracies.map((accuracy) => `${(accuracy * 100).toFixed(2)}%`);
  return localized({ en: `${percents.join(" and ")} in ${times} s`, ko: `${percents.join(", ")} (${times}초)` });
}
