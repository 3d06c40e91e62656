/** Notebook display: charts (vega-lite + SVG), image grids, live charts. */
export { chartToSvg } from "./chart-svg";
export { textTable, type ColumnAlignment } from "./text-table";
export { showChart, chartBundle, chartSummary, VEGA_LITE_MIME } from "./show-chart";
export { VEGA_LITE_SCHEMA, type ChartOptions } from "./charts/common";
export {
  trainingCurvesChart,
  type TrainingPoint,
  type TrainingCurve,
  type TrainingCurvesOptions,
} from "./charts/training-curves";
export { functionChart, type Point, type FunctionChartOptions } from "./charts/function-lines";
export { comparisonChart, type ComparisonRow } from "./charts/comparison";
export { heatmapChart, confusionMatrixChart, poolingChart, type HeatmapOptions, type PoolingChartOptions } from "./charts/heatmap";
export { slidingFilterChart, type SlidingFilterOptions } from "./charts/sliding-filter";
export { connectivityChart, type ConnectivityChartOptions } from "./charts/connectivity";
export { architectureChart, architectureStages, type ArchitectureStage, type ArchitectureChartOptions } from "./charts/architecture";
export { LiveChart, LiveTrainingCurves, type LiveChartOptions } from "./live-chart";
export { imageGrid, gridLayout, tileOrigin, PngBytes, type ImageGridOptions, type GridLayout } from "./images/image-grid";
export { showImageGrid, type ShowImageGridOptions } from "./images/show-images";
export {
  displayCifar,
  sampleWithoutReplacement,
  type ImageSource,
  type RandomImagesOptions,
} from "./images/random-images";
export { normalizeEachTile, featureMapTiles, filterTiles, showFeatureMaps, showFilters } from "./images/feature-maps";
export { epochAccuracyChart, type EpochAccuracy, type AccuracyReference, type EpochAccuracyOptions } from "./charts/epoch-accuracy";
export { percentBarsChart, type LabelledBar, type PercentBarsOptions } from "./charts/percent-bars";
export { perClassAccuracyChart } from "./charts/per-class-accuracy";
export { ablationChart, ablationRunName, ingredientName, ingredientDescription } from "./charts/ablation";
export {
  misclassifiedIndices,
  misclassifiedCaption,
  showMisclassified,
  type LabelledImages,
  type MisclassifiedOptions,
} from "./images/misclassified";
