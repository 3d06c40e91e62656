/**
 * Whether scripts/run_notebooks.py saw each cell to its end. nbclient records when the kernel
 * reports a cell idle (its last message, after all the cell's outputs). Once a cell's reply has
 * come, nbclient waits only `iopub_timeout` (4 s by default) for that; past it, it goes on
 * (run_notebooks.py shows no warning) and the cell's later outputs are dropped. On a busy
 * machine that loses outputs while the run still succeeds, so the tests check for it.
 */
import * as assert from "uvu/assert";

interface ExecutedCell {
  cell_type: string;
  source: string | string[];
  metadata?: unknown;
}

/** Positions (1-based, among code cells) of the executed cells nbclient stopped waiting for. */
export function cellsCutShort(notebook: { cells: ExecutedCell[] }): number[] {
  const code = notebook.cells.filter((cell) => cell.cell_type === "code");
  return code.flatMap((cell, index) => {
    if ([cell.source].flat().join("").trim() === "") return []; // nbclient skips empty cells
    const timing = (cell.metadata as { execution?: Record<string, string> } | undefined)?.execution;
    return timing?.["iopub.status.idle"] === undefined ? [index + 1] : [];
  });
}

export function assertNoCellCutShort(notebook: { cells: ExecutedCell[] }, name: string): void {
  const cut = cellsCutShort(notebook);
  assert.ok(
    cut.length === 0,
    `${name}: nbclient stopped waiting for the outputs of code cell(s) ${cut.join(", ")} before the kernel reported them done ` +
      "(its iopub_timeout ran out, e.g. on a busy machine), so their later outputs are missing",
  );
}
