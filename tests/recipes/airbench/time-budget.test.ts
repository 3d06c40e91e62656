/** airbench's recipe fitted into a time budget (planAirbenchTraining) on tiny CIFAR-10 with a small recipe. */
import * as fs from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { backendInfo } from "../../../src/native/backend";
import { setLanguage } from "../../../src/language";
import { liveNativeHandles } from "../../../src/native/ops";

import { SMALL_RECIPE, temporaryFolder, tinyCifar } from "./fixtures";
import { describePlan, planAirbenchTraining, type TimeBudgetPlan } from "../../../src/recipes";

const seconds = (plan: TimeBudgetPlan, epochs: number) => (Math.ceil(plan.stepsPerEpoch * epochs) * plan.msPerStep) / 1000;

test("a step is measured on this machine; a recipe that fits the budget trains whole, and the plan is reused under the same settings", async () => {
  const { train } = await tinyCifar();
  const weightsDir = temporaryFolder("cnn-time-budget-");
  const handles = liveNativeHandles();
  const plan = await planAirbenchTraining(train, { recipe: SMALL_RECIPE, seed: 1, timeBudgetMinutes: 60, weightsDir });
  assert.is(liveNativeHandles(), handles, "the measuring model and its optimizer are freed");
  assert.ok(plan.msPerStep > 0 && Number.isFinite(plan.msPerStep), `ms per step ${plan.msPerStep}`);
  assert.is(plan.stepsPerEpoch, 500 / SMALL_RECIPE.batchSize);
  assert.is(plan.recipeEpochs, SMALL_RECIPE.epochs);
  assert.is(plan.epochs, SMALL_RECIPE.epochs, "a few steps of a tiny recipe fit in an hour");
  assert.ok(Math.abs(plan.recipeSeconds - seconds(plan, SMALL_RECIPE.epochs)) < 1e-9);
  assert.is(plan.reused, false);
  const { cpu } = backendInfo();
  assert.ok(plan.machine.includes(cpu.cpuClass) && plan.machine.includes(`${cpu.cores} cores`), plan.machine);
  assert.match(describePlan(plan), /a training step of the recipe takes \d+ ms \(median of 4 steps, measured .+ UTC\), so its 4 epochs would train in [\d.]+ minutes\.\nThat fits the time budget of 60 minutes: the full recipe trains\.$/);

  const again = await planAirbenchTraining(train, { recipe: SMALL_RECIPE, seed: 1, timeBudgetMinutes: 60, weightsDir });
  assert.equal(again, { ...plan, reused: true }, "the same settings find the same plan, so the same cached run");
  assert.match(describePlan(again), /measured .+ UTC by an earlier run with these settings\)/);
  const other = await planAirbenchTraining(train, { recipe: SMALL_RECIPE, seed: 1, timeBudgetMinutes: 59, weightsDir });
  assert.is(other.reused, false, "another budget is another plan");
  assert.is(fs.readdirSync(weightsDir).filter((name) => name.startsWith("airbench-plan-")).length, 2);
});

test("a recipe longer than the budget gets its whole schedule fitted into fewer epochs, rounded down to a tenth", async () => {
  const { train } = await tinyCifar();
  const weightsDir = temporaryFolder("cnn-time-budget-");
  // 1000 epochs of the small recipe take far longer than a tenth of a minute on any machine.
  const recipe = { ...SMALL_RECIPE, epochs: 1000 };
  const plan = await planAirbenchTraining(train, { recipe, seed: 1, timeBudgetMinutes: 0.1, weightsDir });
  assert.is(plan.recipeEpochs, 1000);
  assert.ok(plan.epochs < 1000, `fitted into ${plan.epochs} epochs`);
  assert.is(Math.round(plan.epochs * 10), plan.epochs * 10, "a whole number of tenths");
  assert.ok(plan.epochs === 0.1 || seconds(plan, plan.epochs) <= 6 + 1e-9, `${seconds(plan, plan.epochs)} s of training fit in 6 s`);
  assert.ok(seconds(plan, plan.epochs + 0.1) > 6 || plan.epochs === 0.1, "a tenth of an epoch more would not fit");
  assert.ok(Math.abs(plan.plannedSeconds - seconds(plan, plan.epochs)) < 1e-9);
  assert.match(describePlan(plan), new RegExp(`That is more than the time budget of 0\\.1 minutes, so the whole schedule \\(warm-up, decay, weight averaging\\) is fitted into ${plan.epochs} epochs`));
  setLanguage("ko");
  try {
    assert.match(describePlan(plan), new RegExp(`시간 예산 0\\.1분보다 길므로, 학습률 일정 전체\\(워밍업, 감소, 가중치 평균\\)를 ${plan.epochs} 에포크에 맞춥니다`));
    // The machine in Korean words too: "AMD EPYC × 2코어, AVX2 계열", not the key's English.
    assert.match(describePlan(plan), /^이 컴퓨터\(.+ × \d+코어, .+ 계열\)에서 /);
    assert.match(describePlan({ ...plan, machine: "Some CPU × 8 cores, AVX-512 with bfloat16 class" }), /^이 컴퓨터\(Some CPU × 8코어, bfloat16 지원 AVX-512 계열\)에서 /);
  } finally {
    setLanguage(undefined);
  }
});

test("no budget: the full recipe; a bad budget is one error saying what is expected", async () => {
  const { train } = await tinyCifar();
  const weightsDir = temporaryFolder("cnn-time-budget-");
  const plan = await planAirbenchTraining(train, { recipe: SMALL_RECIPE, seed: 1, timeBudgetMinutes: null, stepScale: 0.5, weightsDir });
  assert.is(plan.epochs, SMALL_RECIPE.epochs * 0.5, "the step scale applies before the budget");
  assert.match(describePlan(plan), /No time budget is set: the full recipe trains\.$/);
  for (const bad of [0, -1, Number.NaN]) {
    let message = "";
    await planAirbenchTraining(train, { recipe: SMALL_RECIPE, seed: 1, timeBudgetMinutes: bad, weightsDir }).catch((error: Error) => (message = error.message));
    assert.match(message, new RegExp(`^timeBudgetMinutes ${bad} is not valid: expected a number of minutes > 0`));
  }
  assert.equal(fs.readdirSync(weightsDir).filter((name) => name.startsWith("airbench-plan-")).length, 1, "a refused budget writes no plan");
});

test.run();
