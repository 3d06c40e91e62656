/** Shared pieces of the chart builders. */

/** `$schema` of every chart: JupyterLab 4 renders vega-lite v5. */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Options every chart builder accepts. Sizes are in pixels, per panel. */
export interface ChartOptions {
  title?: string;
  width?: number;
  height?: number;
}

/**
 * A legend whose entries pick the series to show: a click on an entry picks its series or, if
 * picked, lets it go again; the series not picked fade, and with none picked (as in the static
 * SVG copy) all are drawn in full. `param` goes in the chart's first unit that colours by
 * `field` (a legend merged from several layers or views binds only to a selection declared
 * there); `opacity` in the encoding of every mark drawn per series, in any view.
 */
export function legendPicksSeries(field: string) {
  const name = "pickedSeries";
  return {
    param: { name, select: { type: "point" as const, fields: [field], toggle: "true" }, bind: "legend" as const },
    opacity: { condition: { param: name, value: 1 }, value: 0.15 },
  };
}
