/**
 * The one error type the data layer throws for problems a user can fix
 * (missing or corrupt files, failed downloads, unwritable cache). Its message
 * names the file or URL, the problem and the remedy.
 */
export class DatasetError extends Error {
  /** The error this one explains, if any (lib ES2020 lacks Error's `cause` option). */
  declare readonly cause?: unknown;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = "DatasetError";
    if (options !== undefined && "cause" in options) {
      // Non-enumerable, as the built-in option makes it.
      Object.defineProperty(this, "cause", { value: options.cause, writable: true, configurable: true });
    }
  }
}

/** The same error with a remedy appended, for callers that know where the file came from. */
export function withRemedy(error: unknown, remedy: string): unknown {
  return error instanceof DatasetError ? new DatasetError(`${error.message} ${remedy}`, { cause: error }) : error;
}
