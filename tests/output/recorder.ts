/** Test helpers: a fake notebook writer that records every output message. */
import { setDisplayWriter, type DisplayContent } from "../../src/output/output";

export interface RecordedMessage {
  type: "display_data" | "update_display_data";
  content: DisplayContent;
}

/** Routes display output into the returned array until `stopRecording()`. */
export function recordOutputs(): RecordedMessage[] {
  const messages: RecordedMessage[] = [];
  setDisplayWriter((content, update) =>
    messages.push({ type: update ? "update_display_data" : "display_data", content }),
  );
  return messages;
}

/** Back to "no notebook": display calls fall back to the terminal. */
export function simulateTerminal(): void {
  setDisplayWriter(null);
}

export function stopRecording(): void {
  setDisplayWriter(undefined);
}

/** Runs `body` with console.log captured; returns what it printed. */
export async function capturedConsole(body: () => unknown): Promise<string[]> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    await body();
  } finally {
    console.log = original;
  }
  return lines;
}

/** The text content of every <text> element of an SVG, in document order. */
export function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]);
}

/** How many marks vega drew with this ARIA role description ("bar", "line mark", "rect mark", ...). */
export function countMarks(svg: string, roleDescription: string): number {
  return svg.split(`aria-roledescription="${roleDescription}"`).length - 1;
}
