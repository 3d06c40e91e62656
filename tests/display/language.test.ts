/**
 * In the Korean edition (notebookSettings({ language: "ko" })) the package speaks Korean: its
 * charts' titles, axes, legends, tooltips and descriptions (read back from the rendered SVG and
 * the spec), and the lines it prints. What it shows a Korean reader has no English word off the
 * allow-list of tests/korean.ts and uses the terms of notebooks/ko/terms.json.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { TopLevelSpec } from "vega-lite";
import { setLanguage } from "../../src/language";
import { chartToSvg } from "../../src/display/chart-svg";
import { chartSummary } from "../../src/display/show-chart";
import { ablationChart, ingredientDescription } from "../../src/display/charts/ablation";
import { comparisonChart } from "../../src/display/charts/comparison";
import { epochAccuracyChart } from "../../src/display/charts/epoch-accuracy";
import { functionChart } from "../../src/display/charts/function-lines";
import { confusionMatrixChart, poolingChart } from "../../src/display/charts/heatmap";
import { perClassAccuracyChart } from "../../src/display/charts/per-class-accuracy";
import { slidingFilterChart } from "../../src/display/charts/sliding-filter";
import { trainingCurvesChart } from "../../src/display/charts/training-curves";
import { modelKeys, modelName } from "../../src/models/registry";
import { describeOneDnn } from "../../src/native/backend";
import * as cpu from "../../src/native/cpu";
import { runInfo } from "../../src/notebook/run-info";
import { AIRBENCH_INGREDIENTS, type AirbenchIngredient } from "../../src/recipes/airbench/recipe";
import type { AblationRun } from "../../src/recipes/airbench/ablation-results";
import { testAccuracy } from "../../src/training/evaluate";
import { runnableStepKind } from "../../src/training/step";
import { englishWords, readTerms, refusedTerms, svgDrawnTexts, tooltipTitles } from "../korean";
import { svgTexts } from "../output/recorder";
import { lineCollector, tinyModel, tinyTestSet } from "../training/fixtures";

const points = [2.3, 1.1, 0.6].map((cost, i) => ({ step: i * 10, cost, accuracy: 0.3 * i }));

async function textsIn(language: "en" | "ko", chart: () => Parameters<typeof chartToSvg>[0]): Promise<string[]> {
  setLanguage(language);
  try {
    return svgTexts(await chartToSvg(chart()));
  } finally {
    setLanguage(undefined);
  }
}

test("training curves, confusion matrix and pooling charts have Korean titles and axes in Korean, English ones otherwise", async () => {
  const curves = () => trainingCurvesChart({ mnist: { points } });
  const koreanCurves = await textsIn("ko", curves);
  for (const text of ["학습 곡선", "스텝", "비용 (로그 눈금)", "학습 정확도"]) assert.ok(koreanCurves.includes(text), `missing ${text} in ${koreanCurves}`);
  const englishCurves = await textsIn("en", curves);
  for (const text of ["Training curves", "Step", "Cost (log scale)", "Training accuracy"]) assert.ok(englishCurves.includes(text), `missing ${text}`);

  const confusion = await textsIn("ko", () => confusionMatrixChart([[3, 1], [0, 4]], ["고양이", "개"]));
  for (const text of ["혼동 행렬", "실제 클래스", "예측 클래스", "고양이"]) assert.ok(confusion.includes(text), `missing ${text} in ${confusion}`);

  const pooling = await textsIn("ko", () => poolingChart([[1, 2], [3, 4]], [[4]]));
  for (const text of ["입력 2×2", "풀링 결과 1×1"]) assert.ok(pooling.includes(text), `missing ${text} in ${pooling}`);
});

test("the tooltips of the training curves and the confusion matrix are titled in Korean, in English otherwise", () => {
  const titles = (language: "en" | "ko") => {
    setLanguage(language);
    try {
      return [...tooltipTitles(trainingCurvesChart({ mnist: { points, logged: points } })), ...tooltipTitles(confusionMatrixChart([[3, 1], [0, 4]], ["고양이", "개"]))];
    } finally {
      setLanguage(undefined);
    }
  };
  assert.equal([...new Set(titles("ko"))].sort(), ["모델", "비용 (로그 눈금)", "스텝", "실제 클래스", "실제 클래스 이미지 중 비율", "예측 클래스", "이미지 수", "학습 정확도"].sort());
  assert.equal([...new Set(titles("en"))].sort(), ["Cost (log scale)", "Images", "Model", "Predicted class", "Share of the true class's images", "Step", "Training accuracy", "True class"].sort());
});

const ablationRun = (removed: string | null, testAccuracy: number, testAccuracyTta: number) =>
  ({ removed, seed: 42, precision: "float32", testAccuracy, testAccuracyTta, trainSeconds: 60, epochs: [] }) as AblationRun;

test("the ablation chart names its runs, their ingredients and both evaluations in Korean", async () => {
  const texts = await textsIn("ko", () => ablationChart([ablationRun(null, 0.88, 0.89), ablationRun("whitening", 0.86, 0.875)]));
  for (const text of ["요소를 하나씩 뺀 결과", "백색화 뺌", "테스트 시 증강 없이", "테스트 시 증강으로"]) assert.ok(texts.includes(text), `missing ${text} in ${texts}`);
  const english = await textsIn("en", () => ablationChart([ablationRun(null, 0.88, 0.89), ablationRun("whitening", 0.86, 0.875)]));
  assert.ok(english.includes("without whitening"), `missing "without whitening" in ${english}`);
});

/** What a chart shows a reader: the text its SVG draws, its text stand-in (alt text) and its tooltips' field names. */
async function chartTexts(spec: TopLevelSpec): Promise<string[]> {
  return [...svgDrawnTexts(await chartToSvg(spec)), chartSummary(spec), ...tooltipTitles(spec)];
}

/** What the package shows a reader, with where it comes from, in the current language. */
async function packageOutputs(): Promise<{ what: string; texts: string[] }[]> {
  const ingredients = Object.keys(AIRBENCH_INGREDIENTS) as AirbenchIngredient[];
  const names = modelKeys.map(modelName);
  const charts: [string, TopLevelSpec][] = [
    ["trainingCurvesChart", trainingCurvesChart({ [names[0]]: { points, logged: points } })],
    ["epochAccuracyChart", epochAccuracyChart([{ epoch: 1, testAccuracy: 0.71, seconds: 30 }], [{ label: `책: ${names[2]}`, accuracy: 0.7202 }])],
    ["confusionMatrixChart", confusionMatrixChart([[3, 1], [0, 4]], ["고양이", "개"])],
    ["perClassAccuracyChart", perClassAccuracyChart([[3, 1], [0, 4]], ["고양이", "개"])],
    ["poolingChart", poolingChart([[1, 2], [3, 4]], [[4]])],
    ["slidingFilterChart", slidingFilterChart([[0, 1, 0], [1, 1, 1], [0, 1, 0]], [[1, 0, -1], [1, 0, -1], [1, 0, -1]])],
    ["functionChart", functionChart({ ReLU: [{ x: -1, y: 0 }, { x: 0, y: 0 }, { x: 1, y: 1 }], GELU: [{ x: 0, y: 0 }, { x: 1, y: 0.84 }] })],
    ["comparisonChart", comparisonChart(names.map((model, i) => ({ model, metric: "테스트 정확도 (%)", series: "이 노트북", value: 70 + i })))],
    ["ablationChart", ablationChart([ablationRun(null, 0.88, 0.89), ...ingredients.map((ingredient, i) => ablationRun(ingredient, 0.87 - i / 100, 0.88 - i / 100))])],
  ];
  const outputs = await Promise.all(charts.map(async ([what, spec]) => ({ what, texts: await chartTexts(spec) })));

  const { lines, log } = lineCollector();
  const model = tinyModel(3);
  try {
    testAccuracy(model, tinyTestSet(20), { log });
  } finally {
    model.dispose();
  }
  const original = cpu.hasBfloat16Compute;
  (cpu as { hasBfloat16Compute: typeof cpu.hasBfloat16Compute }).hasBfloat16Compute = () => false;
  try {
    runnableStepKind("compiled-bfloat16", log);
  } finally {
    (cpu as { hasBfloat16Compute: typeof cpu.hasBfloat16Compute }).hasBfloat16Compute = original;
  }
  assert.is(lines.length, 2, `testAccuracy's line and the bfloat16 fallback's: ${lines}`);
  const oneDnn = [
    describeOneDnn({ enabled: true, userSetting: undefined, maxCpuIsa: undefined }),
    describeOneDnn({ enabled: false, userSetting: "0", maxCpuIsa: "AVX2" }),
  ];
  const cpuClasses = ["AMX", "AVX-512 with bfloat16", "AVX-512", "AVX2", "no AVX2"].map(cpu.cpuClassName);
  return [
    ...outputs,
    { what: "printed lines (testAccuracy, runnableStepKind)", texts: lines },
    { what: "describeOneDnn", texts: oneDnn },
    { what: "cpuClassName", texts: cpuClasses },
    { what: "runInfo", texts: [runInfo()] },
    { what: "modelName", texts: names },
    { what: "ingredientDescription", texts: ingredients.map(ingredientDescription) },
  ];
}

test("what the package shows in Korean has no English word a Korean reader would have to translate, and uses the list's terms", async () => {
  setLanguage("ko");
  let outputs: { what: string; texts: string[] }[];
  try {
    outputs = await packageOutputs();
  } finally {
    setLanguage(undefined);
  }
  const terms = readTerms();
  const problems = outputs.flatMap(({ what, texts }) =>
    texts.flatMap((text) => {
      const words = englishWords(text);
      const offList = refusedTerms(text, terms).map(({ found, use }) => `「${found}」 → 「${use}」`);
      return words.length > 0 || offList.length > 0 ? [`${what}: ${[...words, ...offList].join(", ")} in 「${text}」`] : [];
    }),
  );
  assert.equal(problems, [], problems.join("\n"));
  // The checks see English where there is some: the same outputs in English.
  const english = await packageOutputs();
  assert.ok(english.some(({ texts }) => texts.some((text) => englishWords(text).length > 0)), "the English outputs should have English words");
});

test.run();
