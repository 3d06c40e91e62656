/**
 * Trained weights on disk: a small JSON header (which model, how and on what
 * data it was trained, its log and curve, variable shapes, checksum) followed
 * by the float32 values.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { tf } from "../backend";
import { displayPath } from "../cache";
import type { ModelVariable } from "../layers/variables";
import type { ChapterModel } from "../models/model";
import type { BatchesIdentity } from "./data";
import type { CurvePoint, HistoryEntry } from "./train";

const MAGIC = Buffer.from("CNN4WTS1", "ascii");

/** How the weights were made; compared before they are loaded. */
export interface WeightsMetadata {
  model: string;
  steps: number;
  seed: number;
  learningRate: number;
  keepProb: number;
  /** The training data and batch size; null when the batch source did not identify them (ad-hoc batches). */
  data: BatchesIdentity | null;
  trainingSeconds: number;
  history: HistoryEntry[];
  curve: CurvePoint[];
}

/** A weights file that cannot be used: missing, damaged, or for another model, setting or data set. */
export class WeightsFileError extends Error {
  constructor(readonly filePath: string, readonly reason: string) {
    super(`Weights file ${displayPath(filePath)} cannot be used: ${reason}. Delete it or retrain (pass retrain: true).`);
    this.name = "WeightsFileError";
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Writes the model's weights atomically (temporary file, then rename). */
export function saveWeights(model: ChapterModel, filePath: string, metadata: WeightsMetadata): void {
  saveVariables(model.variables, filePath, metadata);
}

/**
 * Writes `variables` and `metadata` (any JSON object: how they were made)
 * atomically. Models that are not ChapterModels (airbench, with its running
 * statistics) save their state this way.
 */
export function saveVariables(variables: readonly ModelVariable[], filePath: string, metadata: object): void {
  const values = variables.map((variable) => {
    const value = variable.read();
    try {
      return Buffer.from((value.dataSync() as Float32Array).buffer.slice(0));
    } finally {
      value.dispose();
    }
  });
  const data = Buffer.concat(values);
  const header = {
    ...metadata,
    variables: variables.map((variable) => ({ name: variable.name, shape: [...variable.shape] })),
    sha256: sha256(data),
    createdAt: new Date().toISOString(),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
  const headerLength = Buffer.alloc(4);
  headerLength.writeUInt32LE(headerBytes.length);

  fs.mkdirSync(path.dirname(filePath), { recursive: true });
  const temporaryPath = `${filePath}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporaryPath, Buffer.concat([MAGIC, headerLength, headerBytes, data]));
    fs.renameSync(temporaryPath, filePath);
  } catch (error) {
    fs.rmSync(temporaryPath, { force: true });
    throw error;
  }
}

export type Check = (value: unknown) => boolean;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isNumber: Check = (value) => typeof value === "number" && Number.isFinite(value);
const isCount: Check = (value) => Number.isInteger(value) && (value as number) >= 0;
const isString: Check = (value) => typeof value === "string";
const listOf = (check: Check): Check => (value) => Array.isArray(value) && value.every(check);
const record = (fields: Record<string, Check>): Check => (value) =>
  isObject(value) && Object.entries(fields).every(([name, check]) => check(value[name]));
const measurement = record({ step: isCount, cost: isNumber, accuracy: isNumber });

/** Building blocks for a header's field checks. */
export const headerChecks = { isObject: isObject as Check, isNumber, isCount, isString, listOf, record };

/** Each header field, what it must hold, and how that is said in an error. */
export type HeaderFields<Header> = Record<keyof Header, { check: Check; expected: string }>;

/** The fields every weights file has, whatever wrote it. */
interface StoredVariablesHeader {
  variables: { name: string; shape: number[] }[];
  sha256: string;
  createdAt: string;
}

const storedVariablesFields: HeaderFields<StoredVariablesHeader> = {
  variables: { check: listOf(record({ name: isString, shape: listOf(isCount) })), expected: "a list of { name, shape }" },
  sha256: { check: (value) => typeof value === "string" && /^[0-9a-f]{64}$/.test(value), expected: "a SHA-256 hex digest" },
  createdAt: { check: isString, expected: "a date" },
};

const headerFields: HeaderFields<WeightsMetadata> = {
  model: { check: isString, expected: "a model key" },
  steps: { check: isCount, expected: "a step count" },
  seed: { check: isCount, expected: "a seed" },
  learningRate: { check: isNumber, expected: "a number" },
  keepProb: { check: isNumber, expected: "a number" },
  data: {
    check: (value) => value === null || record({ dataset: isString, batchSize: isCount })(value),
    expected: "null or { dataset, batchSize }",
  },
  trainingSeconds: { check: isNumber, expected: "a number" },
  history: { check: listOf(measurement), expected: "a list of { step, cost, accuracy }" },
  curve: { check: listOf(measurement), expected: "a list of { step, cost, accuracy }" },
};

function checkedHeader<Header>(filePath: string, parsed: unknown, fields: HeaderFields<Header>): Header & StoredVariablesHeader {
  if (!isObject(parsed)) {
    throw new WeightsFileError(filePath, "its header is not a JSON object");
  }
  const allFields: Record<string, { check: Check; expected: string }> = { ...fields, ...storedVariablesFields };
  const wrong = Object.keys(allFields)
    .filter((field) => !allFields[field].check(parsed[field]))
    .map((field) => `'${field}' ${parsed[field] === undefined ? "is missing" : "is not " + allFields[field].expected}`);
  if (wrong.length > 0) {
    throw new WeightsFileError(filePath, `its header is invalid: ${wrong.join("; ")}`);
  }
  return parsed as Header & StoredVariablesHeader;
}

/** A weights file's header, checked against `fields`, and its values; the checksum and value count are verified. */
export interface StoredVariables<Header> {
  header: Header & StoredVariablesHeader;
  data: Buffer;
}

export function readWeightsFile<Header>(filePath: string, fields: HeaderFields<Header>): StoredVariables<Header> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(filePath);
  } catch (error) {
    throw new WeightsFileError(filePath, `it cannot be read (${(error as Error).message})`);
  }
  const dataStart = () => MAGIC.length + 4 + bytes.readUInt32LE(MAGIC.length);
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC) || dataStart() > bytes.length) {
    throw new WeightsFileError(filePath, "it is not a cnn-chapter4 weights file or it is truncated");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.subarray(MAGIC.length + 4, dataStart()).toString("utf8"));
  } catch {
    throw new WeightsFileError(filePath, "its header is damaged (not JSON)");
  }
  const header = checkedHeader(filePath, parsed, fields);
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

function metadataOf(header: WeightsMetadata): WeightsMetadata {
  const { model, steps, seed, learningRate, keepProb, data, trainingSeconds, history, curve } = header;
  return { model, steps, seed, learningRate, keepProb, data, trainingSeconds, history, curve };
}

/** The training settings and data a cached file must match to stand in for a run. */
export type WeightsExpectation = Partial<Pick<WeightsMetadata, "steps" | "seed" | "learningRate" | "keepProb" | "data">>;

function describeData(data: BatchesIdentity | null): string {
  return data === null ? "unidentified data" : `${data.dataset} in batches of ${data.batchSize}`;
}

function sameData(a: BatchesIdentity | null, b: BatchesIdentity | null): boolean {
  return a === null || b === null ? a === b : a.dataset === b.dataset && a.batchSize === b.batchSize;
}

/**
 * Replaces the model's weights with the file's and returns how they were
 * made. Throws WeightsFileError, leaving the model unchanged, if the file is
 * damaged, holds another model's variables, or differs from `expected`.
 */
export function loadWeights(model: ChapterModel, filePath: string, expected: WeightsExpectation = {}): WeightsMetadata {
  const { header, data } = readWeightsFile(filePath, headerFields);
  const modelVariables = describeVariables(model.variables);
  const fileVariables = describeVariables(header.variables);
  if (header.model !== model.key || modelVariables !== fileVariables) {
    throw new WeightsFileError(
      filePath,
      `it holds '${header.model}' variables ${fileVariables}, not '${model.key}' variables ${modelVariables}`,
    );
  }
  const { data: expectedData, ...expectedSettings } = expected;
  const differences = (Object.keys(expectedSettings) as (keyof typeof expectedSettings)[])
    .filter((setting) => header[setting] !== expectedSettings[setting])
    .map((setting) => `${setting} ${header[setting]} instead of ${expectedSettings[setting]}`);
  if (expectedData !== undefined && !sameData(header.data, expectedData)) {
    differences.push(`${describeData(header.data)} instead of ${describeData(expectedData)}`);
  }
  if (differences.length > 0) {
    throw new WeightsFileError(filePath, `it was trained with ${differences.join(", ")}`);
  }
  assignValues(model.variables, data);
  return metadataOf(header);
}

/** Variable names and shapes as one line, e.g. `weight1[5,5,1,32] bias1[32]`, to compare a file's with a model's. */
export function describeVariables(variables: readonly { name: string; shape: readonly number[] }[]): string {
  return variables.map((variable) => `${variable.name}[${variable.shape}]`).join(" ");
}

/** Assigns a file's values to `variables`, in order (check describeVariables first). */
export function assignValues(variables: readonly ModelVariable[], data: Buffer): void {
  const values = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
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
