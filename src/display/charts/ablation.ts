import type { TopLevelSpec } from "vega-lite";
import type { AblationRun } from "../../recipes/airbench/ablation-results";
import { AIRBENCH_INGREDIENTS, AIRBENCH_INGREDIENTS_KOREAN, type AirbenchIngredient } from "../../recipes/airbench/recipe";
import { localized } from "../../language";
import { VEGA_LITE_SCHEMA, type ChartOptions } from "./common";
import { accuracyName, type MeasuredOn } from "../../training/evaluate";

function isIngredient(name: string): name is AirbenchIngredient {
  return name in AIRBENCH_INGREDIENTS;
}

/** An ingredient as the reader's edition names it: its key ("whitening"), or its Korean name (백색화). */
export function ingredientName(ingredient: string): string {
  return localized({ en: ingredient, ko: isIngredient(ingredient) ? AIRBENCH_INGREDIENTS_KOREAN[ingredient].name : ingredient });
}

/** What the recipe does without `ingredient`, in the reader's language (AIRBENCH_INGREDIENTS in English). */
export function ingredientDescription(ingredient: AirbenchIngredient): string {
  return localized({ en: AIRBENCH_INGREDIENTS[ingredient], ko: AIRBENCH_INGREDIENTS_KOREAN[ingredient].description });
}

/** How a run is named in the chart: "full recipe", or "without " and the ingredient taken out. */
export function ablationRunName(run: Pick<AblationRun, "removed">): string {
  if (run.removed === null) return localized({ en: "full recipe", ko: "전체 레시피" });
  return localized({ en: `without ${run.removed}`, ko: `${ingredientName(run.removed)} 뺌` });
}

/** The two ways each run's final accuracy was measured, as the chart's legend names them. */
function ablationEvaluations(): [string, string] {
  return [
    localized({ en: "without test-time augmentation", ko: "테스트 시 증강 없이" }),
    localized({ en: "with test-time augmentation", ko: "테스트 시 증강으로" }),
  ];
}

export interface AblationChartOptions extends ChartOptions {
  /**
   * A gray band from −points to +points around 0: how far apart two runs that differ
   * only in their seed can land, so that differences inside it are read as noise.
   */
  noise?: { points: number; label: string };
  /** What the runs' accuracies were measured on, named on the axis (default "test"): the results' evaluatedOn. */
  measuredOn?: MeasuredOn;
}

/** What taking one ingredient out changed, in points of test accuracy, measured one way. */
export interface AblationDifference {
  name: string;
  /** "without test-time augmentation" or "with test-time augmentation" (in the reader's language). */
  evaluation: string;
  points: number;
  text: string;
}

/** Each run's final test accuracy minus the full recipe's, without and with test-time augmentation, in points. */
export function ablationDifferences(runs: readonly AblationRun[]): AblationDifference[] {
  const full = runs.find((run) => run.removed === null);
  if (full === undefined) {
    throw new Error(`ablationChart: no full-recipe run (removed: null) among the ${runs.length} runs; it is what the others are compared with.`);
  }
  const evaluations = ablationEvaluations();
  const signed = (points: number) => `${points < 0 ? "−" : "+"}${Math.abs(points).toFixed(2)}`;
  return runs
    .filter((run) => run !== full)
    .flatMap((run) =>
      ([[run.testAccuracy, full.testAccuracy], [run.testAccuracyTta, full.testAccuracyTta]] as const).map(([accuracy, fullAccuracy], i) => {
        const points = +(100 * (accuracy - fullAccuracy)).toFixed(2);
        return { name: ablationRunName(run), evaluation: evaluations[i], points, text: signed(points) };
      }),
    );
}

/**
 * The ablation as differences from the full recipe: for each run with one
 * ingredient taken out, how many points of test accuracy it gained (right of
 * 0) or lost (left of 0), measured without and with test-time augmentation
 * (two bars side by side), each bar labelled with its difference. The axis is
 * centred on 0, the full recipe, so the sign of an effect is what the eye
 * sees first; the full recipe's own accuracies are in the subtitle. The axis
 * runs from the largest loss to the largest gain, at least a point each way.
 */
export function ablationChart(runs: readonly AblationRun[], options: AblationChartOptions = {}): TopLevelSpec {
  const differences = ablationDifferences(runs);
  const full = runs.find((run) => run.removed === null) as AblationRun;
  const names = [...new Set(differences.map((difference) => difference.name))];
  // From the largest loss to the largest gain (and the noise band), at least a point each way, in whole points.
  const noisePoints = options.noise?.points ?? 0;
  const low = Math.floor(Math.min(-1, -noisePoints - 0.5, ...differences.map((difference) => difference.points - 0.5)));
  const high = Math.ceil(Math.max(1, noisePoints + 0.5, ...differences.map((difference) => difference.points + 0.5)));
  const x = {
    field: "points",
    type: "quantitative" as const,
    title: localized({
      en: `change in ${accuracyName(options.measuredOn ?? "test")} against the full recipe (points)`,
      ko: `전체 레시피 대비 ${accuracyName(options.measuredOn ?? "test")} 변화 (%p)`,
    }),
    scale: { domain: [low, high] },
  };
  const y = { field: "name", type: "nominal" as const, title: null, sort: names, axis: { labelLimit: 300 } };
  const evaluations = ablationEvaluations();
  const yOffset = { field: "evaluation", type: "nominal" as const, sort: evaluations };
  const color = {
    field: "evaluation",
    type: "nominal" as const,
    title: null,
    scale: { domain: evaluations, range: ["#9ecae1", "#3182bd"] },
    legend: { orient: "bottom" as const, labelLimit: 0 },
  };
  const label = (side: "gain" | "loss") => ({
    data: { values: differences },
    transform: [{ filter: side === "gain" ? "datum.points >= 0" : "datum.points < 0" }],
    mark: { type: "text" as const, align: side === "gain" ? ("left" as const) : ("right" as const), dx: side === "gain" ? 3 : -3, fontSize: 10 },
    encoding: { y, yOffset, x, text: { field: "text", type: "nominal" as const } },
  });
  const noise = options.noise;
  const percent = (fraction: number) => `${(100 * fraction).toFixed(2)}%`;
  const title = options.title ?? localized({ en: "Each ingredient taken out in turn", ko: "요소를 하나씩 뺀 결과" });
  const [fullPlain, fullTta] = [percent(full.testAccuracy), percent(full.testAccuracyTta)];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: title,
      subtitle: localized({
        en: `0 = the full recipe: ${fullPlain} without test-time augmentation, ${fullTta} with it`,
        ko: `0 = 전체 레시피: 테스트 시 증강 없이 ${fullPlain}, 증강으로 ${fullTta}`,
      }),
    },
    description:
      `${title}: ` +
      names
        .map((name) => `${name} ${differences.filter((difference) => difference.name === name).map((difference) => difference.text).join(" / ")}`)
        .join(", "),
    width: options.width ?? 380,
    height: options.height ?? { step: 30 },
    layer: [
      ...(noise
        ? [
            {
              data: { values: [{ from: -noise.points, to: noise.points, label: noise.label }] },
              mark: { type: "rect" as const, color: "#e0e0e0" },
              encoding: { x: { ...x, field: "from" }, x2: { field: "to" } },
            },
            {
              data: { values: [{ at: 0, label: noise.label }] },
              mark: { type: "text" as const, baseline: "bottom" as const, y: -4, fontSize: 10, color: "gray" },
              encoding: { x: { ...x, field: "at" }, text: { field: "label", type: "nominal" as const } },
            },
          ]
        : []),
      {
        data: { values: differences },
        mark: { type: "bar" as const },
        encoding: { y, yOffset, x, color },
      },
      {
        data: { values: [{ at: 0 }] },
        mark: { type: "rule" as const, color: "black" },
        encoding: { x: { ...x, field: "at" } },
      },
      label("gain"),
      label("loss"),
    ],
  } as TopLevelSpec;
}
