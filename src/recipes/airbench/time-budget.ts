/**
 * airbench's recipe sized to the reader's machine: a few steps of the real
 * training engine measure how long a step takes here, and a recipe that would
 * train longer than the time budget gets its whole schedule fitted into fewer
 * epochs. The plan is cached beside the weights, so the same settings on the
 * same machine find the same epochs, and so the cached run, again; retraining
 * keeps it too, so that runs of several seeds share their epochs. To measure
 * again, delete the plan's file (airbench-plan-*.json in the weights folder).
 */
import * as fs from "fs";
import * as path from "path";
import { backendInfo } from "../../native/backend";
import { cpuClassName } from "../../native/cpu";
import { writeFileAtomic } from "../../cache";
import type { ImageSet } from "../../data/image-set";
import { localized } from "../../language";
import { silentProgress } from "../../output/progress-sink";
import { airbenchModel, airbenchTraining, recipeFor, type AirbenchRecipe } from "./recipe";
import { checkStepScale } from "../step-scale";
import { runnableStepKind } from "../../training/step";
import { train } from "../../training/train";
import { spread } from "../../training/benchmark";
import { defaultWeightsDir, keyHash } from "../../training/train-or-load";

/** Steps run before the timed ones: the first builds and optimizes the compiled step. */
const WARMUP_STEPS = 2;
/** Steps timed, one by one; their median is the figure. */
const TIMED_STEPS = 4;
/** Fitted epochs are rounded down to this, so that a budget gives a stable, readable number. */
const EPOCH_GRANULARITY = 0.1;

export interface TimeBudgetSettings {
  /** Changes to AIRBENCH_RECIPE (as for airbenchTraining). */
  recipe?: Partial<AirbenchRecipe>;
  /** The measuring model's seed. */
  seed: number;
  /** Multiplies the recipe's epochs before the budget applies; default 1. */
  stepScale?: number;
  /** Minutes of training the recipe may take; null: the full recipe, however long. */
  timeBudgetMinutes: number | null;
  /** Default: defaultWeightsDir(). */
  weightsDir?: string;
}

/** How long the recipe takes here, and the epochs that fit the budget. */
export interface TimeBudgetPlan {
  timeBudgetMinutes: number | null;
  /** The recipe's epochs (times the step scale), and the epochs to train: fewer when the recipe would not fit. */
  recipeEpochs: number;
  epochs: number;
  stepsPerEpoch: number;
  /** Median ms of the timed steps. */
  msPerStep: number;
  /** Training seconds of the recipe's epochs and of the planned ones, at msPerStep. */
  recipeSeconds: number;
  plannedSeconds: number;
  /** The CPU it was measured on, e.g. "AMD EPYC × 2 cores, AVX2 class". */
  machine: string;
  measuredAt: string;
  /** True when the plan came from the cache (measured by an earlier run with these settings). */
  reused: boolean;
}

/**
 * Measures a training step of the recipe on `trainSet` (a throwaway model,
 * the real engine and batches) and fits the recipe's epochs into the time
 * budget. A cached plan for the same recipe, budget, data and machine is
 * reused.
 */
export async function planAirbenchTraining(trainSet: ImageSet, settings: TimeBudgetSettings): Promise<TimeBudgetPlan> {
  const budget = settings.timeBudgetMinutes;
  if (budget !== null && !(budget > 0 && Number.isFinite(budget))) {
    throw new Error(`timeBudgetMinutes ${budget} is not valid: expected a number of minutes > 0 (e.g. 15), or null for the full recipe however long it takes.`);
  }
  const stepScale = checkStepScale(settings.stepScale ?? 1);
  const recipe = recipeFor(trainSet, settings.recipe);
  const recipeEpochs = recipe.epochs * stepScale;
  const info = backendInfo();
  const machine = `${info.cpu.model} × ${info.cpu.cores} cores, ${info.cpu.cpuClass} class`;
  const key = {
    recipe: { ...recipe, epochs: recipeEpochs, step: runnableStepKind(recipe.step, () => {}) },
    timeBudgetMinutes: budget,
    data: trainSet.datasetId ?? "unidentified",
    machine,
    oneDnn: info.oneDnn.enabled,
    tensorflow: info.tensorflowVersion,
  };
  const file = planFilePath(settings.weightsDir ?? defaultWeightsDir(), key);
  const cached = readPlan(file);
  if (cached !== null) return { ...cached, reused: true };
  const msPerStep = await measureStep(trainSet, recipe, settings.seed);
  const stepsPerEpoch = Math.floor(trainSet.count / recipe.batchSize);
  const secondsFor = (epochs: number) => (Math.ceil(stepsPerEpoch * epochs) * msPerStep) / 1000;
  const recipeSeconds = secondsFor(recipeEpochs);
  const fits = budget === null || recipeSeconds <= budget * 60;
  // Whole tenths (toFixed drops the float noise of the product), at least one tenth of an epoch.
  const fitted = Math.max(EPOCH_GRANULARITY, Number((Math.floor((budget ?? 0) * 60 / secondsFor(1) / EPOCH_GRANULARITY) * EPOCH_GRANULARITY).toFixed(1)));
  const epochs = fits ? recipeEpochs : Math.min(recipeEpochs, fitted);
  const plan: TimeBudgetPlan = {
    timeBudgetMinutes: budget,
    recipeEpochs,
    epochs,
    stepsPerEpoch,
    msPerStep,
    recipeSeconds,
    plannedSeconds: secondsFor(epochs),
    machine,
    measuredAt: new Date().toISOString(),
    reused: false,
  };
  writeFileAtomic(file, `${JSON.stringify({ key, plan }, null, 2)}\n`);
  return plan;
}

/** The median ms of TIMED_STEPS steps of the recipe, after WARMUP_STEPS, on a model made for the purpose. */
async function measureStep(trainSet: ImageSet, recipe: AirbenchRecipe, seed: number): Promise<number> {
  const model = airbenchModel(recipe, { seed });
  try {
    const steps = WARMUP_STEPS + TIMED_STEPS;
    // The recipe as it trains, over the steps measured; no per-epoch test evaluation.
    const { batches, options } = airbenchTraining(model, trainSet, trainSet, { recipe: { ...recipe, epochs: steps * recipe.batchSize / trainSet.count }, seed });
    const stepEnds: number[] = [];
    // A curve point every step reads that step's loss back, so it marks when the step's work ended.
    await train(model, batches, {
      ...options,
      steps,
      testSet: undefined,
      curveEvery: 1,
      log: () => {},
      progress: silentProgress,
      onCurve: () => stepEnds.push(performance.now()),
    });
    // stepEnds[0] is the start point (before the first step); stepEnds[i] ends step i.
    const durations = stepEnds.slice(WARMUP_STEPS + 1).map((end, i) => end - stepEnds[WARMUP_STEPS + i]);
    return spread(durations).median;
  } finally {
    model.dispose();
  }
}

function planFilePath(weightsDir: string, key: unknown): string {
  return path.join(weightsDir, `airbench-plan-${keyHash(key)}.json`);
}

/** The cached plan, or null when there is none or it cannot be read (it is then measured again and rewritten). */
function readPlan(file: string): TimeBudgetPlan | null {
  if (!fs.existsSync(file)) return null;
  try {
    const { plan } = JSON.parse(fs.readFileSync(file, "utf8")) as { plan: TimeBudgetPlan };
    return typeof plan?.epochs === "number" && typeof plan.msPerStep === "number" ? plan : null;
  } catch {
    return null;
  }
}

const minutes = (seconds: number) => (seconds / 60).toFixed(1);

/** The plan's machine ("AMD EPYC × 2 cores, AVX2 class", as planAirbenchTraining writes it into the plan's key) in the reader's language. */
function machineText(machine: string): string {
  const parts = /^(.*) × (\d+) cores, (.*) class$/.exec(machine);
  if (parts === null) return machine;
  const [, model, cores, className] = parts;
  return localized({ en: machine, ko: `${model} × ${cores}코어, ${cpuClassName(className)} 계열` });
}
/** Epochs as a reader reads them: 11, 3.9, 0.044 (not 0.044000000000000004). */
const epochText = (epochs: number) => String(Number(epochs.toFixed(3)));

/** What the plan says to a reader: the measured step, the recipe's time here, and what will train. */
export function describePlan(plan: TimeBudgetPlan): string {
  const { msPerStep, recipeEpochs, recipeSeconds, epochs, plannedSeconds, timeBudgetMinutes: budget } = plan;
  const machine = machineText(plan.machine);
  const when = `${plan.measuredAt.replace("T", " ").slice(0, 16)} UTC`;
  const measured = localized({
    en: `On this machine (${machine}) a training step of the recipe takes ${msPerStep.toFixed(0)} ms (median of ${TIMED_STEPS} steps, measured ${when}${plan.reused ? " by an earlier run with these settings" : ""}), so its ${epochText(recipeEpochs)} epochs would train in ${minutes(recipeSeconds)} minutes.`,
    ko: `이 컴퓨터(${machine})에서 레시피의 학습 스텝 하나는 ${msPerStep.toFixed(0)} ms 걸립니다(${TIMED_STEPS} 스텝의 중앙값, ${when}${plan.reused ? "에 같은 설정의 이전 실행이" : "에"} 측정). 따라서 ${epochText(recipeEpochs)} 에포크를 학습하는 데 ${minutes(recipeSeconds)}분이 걸립니다.`,
  });
  const what =
    epochs === recipeEpochs
      ? localized({
          en: budget === null ? "No time budget is set: the full recipe trains." : `That fits the time budget of ${budget} minutes: the full recipe trains.`,
          ko: budget === null ? "시간 예산이 없으므로 레시피 전체를 학습합니다." : `${budget}분의 시간 예산 안에 들어가므로 레시피 전체를 학습합니다.`,
        })
      : localized({
          en: `That is more than the time budget of ${budget} minutes, so the whole schedule (warm-up, decay, weight averaging) is fitted into ${epochText(epochs)} epochs: about ${minutes(plannedSeconds)} minutes of training, plus a test evaluation after each epoch.`,
          ko: `시간 예산 ${budget}분보다 길므로, 학습률 일정 전체(워밍업, 감소, 가중치 평균)를 ${epochText(epochs)} 에포크에 맞춥니다. 학습에 약 ${minutes(plannedSeconds)}분, 그리고 에포크마다 테스트 평가가 더해집니다.`,
        });
  return `${measured}\n${what}`;
}
