import type { TopLevelSpec } from "vega-lite";
import type { ChartOptions } from "./common";
import { percentBarsChart } from "./percent-bars";
import { localized } from "../../language";

/**
 * Test accuracy of each class from a confusion matrix (`counts[t][p]` = images
 * of true class t predicted as p): the diagonal over each row's sum, as bars in
 * class order, the worst class highlighted, the overall accuracy as a rule.
 */
export function perClassAccuracyChart(
  counts: readonly (readonly number[])[],
  classNames: readonly string[],
  options: ChartOptions = {},
): TopLevelSpec {
  if (counts.length !== classNames.length || counts.some((row) => row.length !== classNames.length)) {
    throw new Error(
      `perClassAccuracyChart: expected a ${classNames.length}×${classNames.length} confusion matrix (one row and column per class name), ` +
        `got row lengths [${counts.map((row) => row.length).join(", ")}].`,
    );
  }
  const rowTotals = counts.map((row) => row.reduce((sum, count) => sum + count, 0));
  const accuracies = counts.map((row, t) => (rowTotals[t] === 0 ? 0 : (100 * row[t]) / rowTotals[t]));
  const correct = counts.reduce((sum, row, t) => sum + row[t], 0);
  const total = rowTotals.reduce((sum, count) => sum + count, 0);
  const worst = accuracies.indexOf(Math.min(...accuracies));
  return percentBarsChart(
    classNames.map((name, t) => ({ name, value: accuracies[t], text: `${accuracies[t].toFixed(1)}%`, highlighted: t === worst })),
    {
      title: options.title ?? localized({ en: "Test accuracy per class", ko: "클래스별 테스트 정확도" }),
      valueTitle: localized({ en: "Test accuracy (%)", ko: "테스트 정확도 (%)" }),
      rule: { label: `${localized({ en: "all classes", ko: "전체 클래스" })}: ${((100 * correct) / Math.max(total, 1)).toFixed(2)}%`, value: (100 * correct) / Math.max(total, 1) },
      width: options.width,
      height: options.height,
    },
  );
}
