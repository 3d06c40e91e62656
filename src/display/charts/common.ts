/** Shared pieces of the chart builders. */

/** `$schema` of every chart: JupyterLab 4 renders vega-lite v5. */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Options every chart builder accepts. Sizes are in pixels, per panel. */
export interface ChartOptions {
  title?: string;
  width?: number;
  height?: number;
}
