/**
 * What the training loop does besides stepping, as hooks it calls at fixed
 * points: the learning-rate schedule, freezing variables by role, weight
 * averaging, and testing after each epoch. The loop builds them from the run's
 * settings (hooksFor); each knows only its own job.
 */
import type { TrainableModel } from "../models/model";
import type { TestSet } from "./data";
import { testAccuracy } from "./evaluate";
import { Lookahead, lookaheadDecay, type LookaheadSettings } from "./lookahead";
import type { Optimizer } from "./optimizer";
import type { OptimizerChoice } from "./optimizers";
import { triangularMultiplier, type TriangularSchedule } from "./schedule";

export interface TrainingHook {
  /** At the start of epoch `epoch` (from 0), before its first step; batch sources with epochs only. */
  epochStart?(epoch: number): void;
  /** Before step `step` (from 0). */
  beforeStep?(step: number): void;
  /** After `stepsDone` steps, the last of them in epoch `epoch` (from 0). */
  afterStep?(stepsDone: number, epoch: number): void;
  /** At the end of each epoch (and of a partial last one), as part of training. */
  epochEnd?(): void;
  /** After epochEnd, outside the training time: the epoch's test accuracy. */
  evaluateEpoch?(): number;
  dispose?(): void;
}

/** The learning rate at each step: the base rate times the schedule's multiplier. */
function learningRateSchedule(optimizer: Optimizer, learningRate: number, schedule: TriangularSchedule, totalSteps: number): TrainingHook {
  return { beforeStep: (step) => optimizer.setLearningRate(learningRate * triangularMultiplier(step, totalSteps, schedule)) };
}

/** Variables of each role in `fromEpoch` stop training at the start of that epoch (airbench's whitening bias). */
function freezingByRole(model: TrainableModel, optimizer: Optimizer, fromEpoch: Readonly<Record<string, number>>): TrainingHook {
  const freeze = optimizer.freeze?.bind(optimizer);
  if (freeze === undefined) {
    throw new Error(`train(${model.key}): freezeFromEpoch needs an optimizer that can freeze variables (nesterov-sgd).`);
  }
  return {
    epochStart: (epoch) =>
      model.variables.forEach((variable, i) => {
        if (fromEpoch[model.variableRoles[i]] === epoch) freeze(variable);
      }),
  };
}

/** From `startEpoch` on, every `every` steps the weights move to their running average; each epoch ends on the average. */
function weightAveraging(model: TrainableModel, settings: LookaheadSettings, totalSteps: number): TrainingHook {
  let average: Lookahead | null = null;
  return {
    afterStep: (stepsDone, epoch) => {
      if (epoch < settings.startEpoch || stepsDone % settings.every !== 0) return;
      if (average === null) {
        average = new Lookahead([...model.variables, ...model.state]);
      } else {
        average.update(lookaheadDecay(stepsDone, totalSteps, settings));
      }
    },
    epochEnd: () => average?.update(1),
    dispose: () => average?.dispose(),
  };
}

function testAfterEachEpoch(model: TrainableModel, testSet: TestSet): TrainingHook {
  return { evaluateEpoch: () => testAccuracy(model, testSet, { log: () => {} }) };
}

/** What a run's hooks are built from. */
export interface HookSettings {
  steps: number;
  optimizer: OptimizerChoice;
  schedule: TriangularSchedule | null;
  lookahead: LookaheadSettings | null;
  testSet?: TestSet;
}

/** The hooks `settings` ask for, in the order the loop must call them (weight averaging before testing). */
export function hooksFor(model: TrainableModel, optimizer: Optimizer, settings: HookSettings, hasEpochs: boolean): TrainingHook[] {
  const freezes = Object.keys(settings.optimizer.freezeFromEpoch ?? {}).length > 0;
  if (!hasEpochs && (settings.lookahead !== null || freezes || settings.testSet !== undefined)) {
    throw new Error(`train(${model.key}): weight averaging, freezing by epoch and a testSet need batches that come in epochs (a batch source with stepsPerEpoch).`);
  }
  return [
    settings.schedule === null ? null : learningRateSchedule(optimizer, settings.optimizer.learningRate, settings.schedule, settings.steps),
    freezes ? freezingByRole(model, optimizer, settings.optimizer.freezeFromEpoch ?? {}) : null,
    settings.lookahead === null ? null : weightAveraging(model, settings.lookahead, settings.steps),
    settings.testSet === undefined ? null : testAfterEachEpoch(model, settings.testSet),
  ].filter((hook): hook is TrainingHook => hook !== null);
}
