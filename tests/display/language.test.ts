/**
 * In the Korean edition (notebookSettings({ language: "ko" })) the package's charts speak
 * Korean: their titles, axes and legends, read back from the rendered SVG.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { setLanguage } from "../../src/language";
import { chartToSvg } from "../../src/display/chart-svg";
import { ablationChart } from "../../src/display/charts/ablation";
import { confusionMatrixChart, poolingChart } from "../../src/display/charts/heatmap";
import { trainingCurvesChart } from "../../src/display/charts/training-curves";
import { svgTexts } from "../output/recorder";

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

test("the ablation chart names its runs and both evaluations in Korean", async () => {
  const run = (removed: string | null, testAccuracy: number, testAccuracyTta: number) => ({ removed, testAccuracy, testAccuracyTta, trainSeconds: 60, epochs: [] });
  const texts = await textsIn("ko", () => ablationChart([run(null, 0.88, 0.89), run("whitening", 0.86, 0.875)] as unknown as Parameters<typeof ablationChart>[0]));
  for (const text of ["요소를 하나씩 뺀 결과", "whitening 뺌", "테스트 시 증강 없이", "테스트 시 증강으로"]) assert.ok(texts.includes(text), `missing ${text} in ${texts}`);
});

test.run();
