/**
 * A table of text for a cell's printed output, its columns aligned in a
 * monospace font. Korean (and other East Asian wide) characters take two
 * columns there, so widths are counted in columns, not in characters.
 */

export type ColumnAlignment = "left" | "right";

/** Columns a character takes in a monospace font: 2 for East Asian wide characters (Hangul, CJK, full-width forms), else 1. */
function columnsOf(text: string): number {
  let columns = 0;
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    const wide =
      (code >= 0x1100 && code <= 0x115f) || // Hangul Jamo
      (code >= 0x2e80 && code <= 0xa4cf) || // CJK radicals … Yi, with the CJK ideographs and Hangul compatibility Jamo
      (code >= 0xac00 && code <= 0xd7a3) || // Hangul syllables
      (code >= 0xf900 && code <= 0xfaff) || // CJK compatibility ideographs
      (code >= 0xff00 && code <= 0xff60) || // full-width forms
      (code >= 0xffe0 && code <= 0xffe6);
    columns += wide ? 2 : 1;
  }
  return columns;
}

/**
 * The rows (the first may be a header) as lines, each column as wide as its widest cell
 * plus two spaces between columns; `align` per column, default left.
 */
export function textTable(rows: readonly (readonly string[])[], align: readonly ColumnAlignment[] = []): string {
  const columnCount = Math.max(0, ...rows.map((row) => row.length));
  const widths = Array.from({ length: columnCount }, (_, column) => Math.max(0, ...rows.map((row) => columnsOf(row[column] ?? ""))));
  return rows
    .map((row) =>
      widths
        .map((width, column) => {
          const cell = row[column] ?? "";
          const padding = " ".repeat(width - columnsOf(cell));
          return align[column] === "right" ? padding + cell : cell + padding;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
