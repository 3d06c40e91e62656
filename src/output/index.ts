/** Text and rich outputs: a terminal or a Jupyter kernel, live output lines, progress lines. */
export {
  setDisplayWriter,
  currentDisplayWriter,
  inNotebook,
  displayBundle,
  liveDisplay,
  type MimeBundle,
  type DisplayContent,
  type DisplayWriter,
  type LiveDisplay,
} from "./output";
export { LiveLine, type LiveLineOptions, type TerminalStream } from "./live-line";
export { ProgressReporter, formatDuration, type ProgressOptions } from "./progress-reporter";
export { silentProgress, type ProgressInfo, type ProgressSink } from "./progress-sink";
