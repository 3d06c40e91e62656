/** Helpers for the notebooks themselves: settings, run records, source listings. */
export { notebookSettings, type NotebookSettings } from "./settings";
export { runInfo } from "./run-info";
export { showSource } from "./source";
export { keep, type Keepable } from "./keep";
export { trainAndPlot, type TrainAndPlotOptions } from "./train-and-plot";
