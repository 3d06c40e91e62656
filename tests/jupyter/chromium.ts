/** The system's Chromium (Debian's `chromium`), which the browser tests drive through Playwright. */
import * as fs from "fs";
import * as path from "path";

/** The `chromium` executable on PATH, if there is one. */
export function chromiumOnPath(): string | undefined {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .map((folder) => path.join(folder, "chromium"))
    .find((file) => fs.existsSync(file));
}
