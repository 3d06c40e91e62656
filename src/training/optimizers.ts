/**
 * Builds the optimizer that settings name: one entry per kind. A new optimizer
 * is its class and settings in a file of its own, and a line here.
 */
import type { TrainableModel } from "../models/model";
import { AdamOptimizer, type AdamChoice } from "./adam";
import type { Optimizer } from "./optimizer";
import { NesterovSgdOptimizer, type NesterovSgdChoice } from "./sgd";

/** The settings of any optimizer this table builds. */
export type OptimizerChoice = AdamChoice | NesterovSgdChoice;

type Builders = { [Kind in OptimizerChoice["kind"]]: (model: TrainableModel, choice: Extract<OptimizerChoice, { kind: Kind }>) => Optimizer };

const BUILDERS: Builders = {
  adam: (model, choice) => new AdamOptimizer(model.variables, choice),
  "nesterov-sgd": (model, choice) =>
    new NesterovSgdOptimizer(
      model.variables,
      { learningRate: choice.learningRate, momentum: choice.momentum },
      // Per variable, by its role: the role's learning-rate scale and weight decay, else the defaults.
      model.variableRoles.map((role) => choice.roles[role] ?? { learningRateScale: 1, weightDecay: choice.weightDecay }),
    ),
};

/** The optimizer `choice` names, over `model`'s variables. */
export function createOptimizer(model: TrainableModel, choice: OptimizerChoice): Optimizer {
  const build = BUILDERS[choice.kind] as ((model: TrainableModel, choice: OptimizerChoice) => Optimizer) | undefined;
  if (build === undefined) {
    throw new Error(`optimizer kind must be one of ${Object.keys(BUILDERS).join(", ")} (got ${JSON.stringify(choice.kind)}).`);
  }
  return build(model, choice);
}
