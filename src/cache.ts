/**
 * Where the project keeps per-user files (the TensorFlow wheel, datasets, trained
 * weights, the caption font), and how it prints paths. scripts/setup.sh and bench/python/setup.sh
 * apply the same rule in shell (scripts/cache-dir.sh).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** An environment variable's value, with empty or blank meaning unset. */
function fromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === "" ? undefined : value;
}

/**
 * The cache root, absolute: `$CNN_CACHE_DIR`, else `$XDG_CACHE_HOME/cnn-chapter4`,
 * else `~/.cache/cnn-chapter4`.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = fromEnv(env, "CNN_CACHE_DIR");
  if (explicit !== undefined) return path.resolve(explicit);
  const xdg = fromEnv(env, "XDG_CACHE_HOME");
  return path.resolve(xdg ?? path.join(os.homedir(), ".cache"), "cnn-chapter4");
}

/** `file` as a reader should see it: under the home folder as `~/…`, otherwise unchanged. */
export function displayPath(file: string, home: string = os.homedir()): string {
  const relative = path.relative(home, file);
  const outside = relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  if (home === "" || outside) return file;
  return relative === "" ? "~" : `~/${relative}`;
}

/**
 * Writes `data` to `file` through a temporary file beside it and a rename, so
 * a reader sees the old file or the whole new one, never half of it; creates
 * the folder; leaves no temporary file behind on failure.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, data);
    fs.renameSync(temporary, file);
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}
