/** Showing vega-lite charts in a notebook as one bundle: interactive, static SVG and text. */
import type { TopLevelSpec } from "vega-lite";
import { chartToSvg } from "./chart-svg";
import { displayBundle, inNotebook, type MimeBundle } from "../output/output";
import { localized } from "../language";

export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

/** The text stand-in of a chart: "[chart] " ("[차트] " in Korean) and its description (see {@link chartDescription}). */
export function chartSummary(spec: TopLevelSpec): string {
  return `[${localized({ en: "chart", ko: "차트" })}] ${chartDescription(spec)}`;
}

/**
 * What a chart shows, for a reader who cannot see it (its alt text): its title and its
 * `description`, the title left out when the description already says it.
 */
export function chartDescription(spec: TopLevelSpec): string {
  const title = spec.title;
  const text = typeof title === "object" && !Array.isArray(title) ? title.text : title;
  const titleText = Array.isArray(text) ? text.join(" ") : typeof text === "string" ? text : "";
  const description = typeof spec.description === "string" ? spec.description : "";
  if (description === "") return titleText === "" ? localized({ en: "chart", ko: "차트" }) : titleText;
  return titleText === "" || description.includes(titleText) ? description : `${titleText}: ${description}`;
}

/**
 * The output bundle of a chart: vega-lite (interactive in JupyterLab), SVG rendered
 * here (for HTML export and viewers without JavaScript) and a text description.
 */
export async function chartBundle(spec: TopLevelSpec): Promise<MimeBundle> {
  return {
    [VEGA_LITE_MIME]: spec,
    "image/svg+xml": await chartToSvg(spec),
    "text/plain": chartSummary(spec),
  };
}

/** Displays a vega-lite v5 chart in the notebook; in a terminal prints its description. */
export async function showChart(spec: TopLevelSpec): Promise<void> {
  // No SVG rendering when nobody will see it.
  const bundle = inNotebook() ? await chartBundle(spec) : { "text/plain": chartSummary(spec) };
  displayBundle(bundle, chartDescription(spec));
}
