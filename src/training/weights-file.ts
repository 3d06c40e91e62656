/**
 * A trained run on disk: a JSON header (what the run was: its key; what it
 * gave: log, curve, epochs, time; the variables' names and shapes; a SHA-256
 * of the values) followed by the float32 values of the model's variables and
 * state.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { tf } from "../native/backend";
import { displayPath, writeFileAtomic } from "../cache";
import type { ModelVariable } from "../layers/variables";
import type { TrainableModel } from "../models/model";

const MAGIC = Buffer.from("CNN4WTS1", "ascii");

/** A weights file that cannot be used: unreadable, damaged, or not this model's. */
export class WeightsFileError extends Error {
  constructor(readonly filePath: string, readonly reason: string, options?: { cause?: unknown }) {
    super(`Weights file ${displayPath(filePath)} cannot be used: ${reason}. Delete it or retrain (pass retrain: true).`);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
    this.name = "WeightsFileError";
  }
}

/** What is saved: the model's variables, then its state (running statistics, frozen filters). */
export function savedVariables(model: TrainableModel): ModelVariable[] {
  return [...model.variables, ...model.state];
}

/** Variable names and shapes as one line, e.g. `weight1[5,5,1,32] bias1[32]`, to compare a file's with a model's. */
export function describeVariables(variables: readonly { name: string; shape: readonly number[] }[]): string {
  return variables.map((variable) => `${variable.name}[${variable.shape}]`).join(" ");
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Writes the model's variables and state with `header` (any JSON object) atomically. */
export function saveWeights(model: TrainableModel, filePath: string, header: Record<string, unknown>): void {
  const variables = savedVariables(model);
  const data = Buffer.concat(
    variables.map((variable) => {
      const value = variable.read();
      try {
        return Buffer.from((value.dataSync() as Float32Array).buffer.slice(0));
      } finally {
        value.dispose();
      }
    }),
  );
  const fullHeader = {
    ...header,
    variables: variables.map((variable) => ({ name: variable.name, shape: [...variable.shape] })),
    sha256: sha256(data),
    createdAt: new Date().toISOString(),
  };
  const headerBytes = Buffer.from(JSON.stringify(fullHeader), "utf8");
  const headerLength = Buffer.alloc(4);
  headerLength.writeUInt32LE(headerBytes.length);
  writeFileAtomic(filePath, Buffer.concat([MAGIC, headerLength, headerBytes, data]));
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isStoredVariable = (value: unknown): boolean =>
  isObject(value) && typeof value.name === "string" && Array.isArray(value.shape) && value.shape.every((dim) => Number.isInteger(dim) && dim >= 0);

/** A weights file's header and values; `header.variables` lists the values' names and shapes. */
export interface WeightsFile {
  header: Record<string, unknown> & { variables: { name: string; shape: number[] }[] };
  data: Buffer;
}

/** Reads a weights file, checking its layout, its value count and its checksum. */
export function readWeightsFile(filePath: string): WeightsFile {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(filePath);
  } catch (error) {
    throw new WeightsFileError(filePath, `it cannot be read (${(error as Error).message})`, { cause: error });
  }
  const dataStart = () => MAGIC.length + 4 + bytes.readUInt32LE(MAGIC.length);
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC) || dataStart() > bytes.length) {
    throw new WeightsFileError(filePath, "it is not a cnn-chapter4 weights file or it is truncated");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.subarray(MAGIC.length + 4, dataStart()).toString("utf8"));
  } catch (error) {
    throw new WeightsFileError(filePath, "its header is damaged (not JSON)", { cause: error });
  }
  if (!isObject(parsed) || !Array.isArray(parsed.variables) || !parsed.variables.every(isStoredVariable) || typeof parsed.sha256 !== "string") {
    throw new WeightsFileError(filePath, "its header is invalid: it needs 'variables' (a list of { name, shape }) and 'sha256'");
  }
  const header = parsed as WeightsFile["header"];
  const data = bytes.subarray(dataStart());
  const declaredValues = header.variables.reduce((total, { shape }) => total + shape.reduce((size, dim) => size * dim, 1), 0);
  if (data.length !== 4 * declaredValues) {
    throw new WeightsFileError(filePath, `it holds ${data.length} bytes of values, its header declares ${declaredValues} float32 values`);
  }
  if (sha256(data) !== header.sha256) {
    throw new WeightsFileError(filePath, "its data is damaged (checksum mismatch)");
  }
  return { header, data };
}

/**
 * Assigns a weights file's values to the model's variables and state, after
 * checking that the file holds exactly those (names and shapes, in order);
 * otherwise throws WeightsFileError and leaves the model unchanged.
 */
export function assignWeights(model: TrainableModel, file: WeightsFile, filePath: string): void {
  const variables = savedVariables(model);
  const modelVariables = describeVariables(variables);
  const fileVariables = describeVariables(file.header.variables);
  if (fileVariables !== modelVariables) {
    throw new WeightsFileError(filePath, `it holds variables ${fileVariables}, not those of model '${model.key}', ${modelVariables}`);
  }
  const values = new Float32Array(file.data.buffer.slice(file.data.byteOffset, file.data.byteOffset + file.data.byteLength));
  let offset = 0;
  for (const variable of variables) {
    const value = tf.tensor(values.subarray(offset, offset + variable.size), [...variable.shape], "float32");
    offset += variable.size;
    try {
      variable.assign(value);
    } finally {
      value.dispose();
    }
  }
}
