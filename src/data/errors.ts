/**
 * The one error type the data layer throws for problems a user can fix
 * (missing or corrupt files, failed downloads, unwritable cache). Its message
 * names the file or URL, the problem and the remedy.
 */
export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatasetError";
  }
}

/** The same error with a remedy appended, for callers that know where the file came from. */
export function withRemedy(error: unknown, remedy: string): unknown {
  return error instanceof DatasetError ? new DatasetError(`${error.message} ${remedy}`) : error;
}
