/**
 * Trained weights on disk: a small JSON header (which model, how it was
 * trained, variable shapes, checksum) followed by the float32 values.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { tf } from "../backend";
import type { ChapterModel } from "../models/model";
import type { HistoryEntry } from "./train";

const MAGIC = Buffer.from("CNN4WTS1", "ascii");

/** How the weights were made; compared before they are loaded. */
export interface WeightsMetadata {
  model: string;
  steps: number;
  seed: number;
  learningRate: number;
  keepProb: number;
  trainingSeconds: number;
  history: HistoryEntry[];
}

interface WeightsHeader extends WeightsMetadata {
  variables: { name: string; shape: number[] }[];
  sha256: string;
  createdAt: string;
}

/** A weights file that cannot be used: missing, damaged, or for another model or setting. */
export class WeightsFileError extends Error {
  constructor(readonly filePath: string, readonly reason: string) {
    super(`Weights file ${filePath} cannot be used: ${reason}. Delete it or retrain (trainOrLoad with retrain: true).`);
    this.name = "WeightsFileError";
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Writes the model's weights atomically (temporary file, then rename). */
export function saveWeights(model: ChapterModel, filePath: string, metadata: WeightsMetadata): void {
  const values = model.variables.map((variable) => {
    const value = variable.read();
    try {
      return Buffer.from((value.dataSync() as Float32Array).buffer.slice(0));
    } finally {
      value.dispose();
    }
  });
  const data = Buffer.concat(values);
  const header: WeightsHeader = {
    ...metadata,
    variables: model.variables.map((variable) => ({ name: variable.name, shape: [...variable.shape] })),
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

function readWeightsFile(filePath: string): { header: WeightsHeader; data: Buffer } {
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
  let header: WeightsHeader;
  try {
    header = JSON.parse(bytes.subarray(MAGIC.length + 4, dataStart()).toString("utf8")) as WeightsHeader;
  } catch {
    throw new WeightsFileError(filePath, "its header is damaged");
  }
  const data = bytes.subarray(dataStart());
  if (!Array.isArray(header.variables) || sha256(data) !== header.sha256) {
    throw new WeightsFileError(filePath, "its data is damaged (checksum mismatch)");
  }
  return { header, data };
}

function metadataOf(header: WeightsHeader): WeightsMetadata {
  const { model, steps, seed, learningRate, keepProb, trainingSeconds, history } = header;
  return { model, steps, seed, learningRate, keepProb, trainingSeconds, history };
}

/** The training settings a cached file must match to stand in for a run. */
export type WeightsExpectation = Partial<Pick<WeightsMetadata, "steps" | "seed" | "learningRate" | "keepProb">>;

/**
 * Replaces the model's weights with the file's and returns how they were
 * made. Throws WeightsFileError, leaving the model unchanged, if the file is
 * damaged, holds another model's variables, or differs from `expected`.
 */
export function loadWeights(model: ChapterModel, filePath: string, expected: WeightsExpectation = {}): WeightsMetadata {
  const { header, data } = readWeightsFile(filePath);
  const modelVariables = model.variables.map((variable) => `${variable.name}[${variable.shape}]`).join(" ");
  const fileVariables = header.variables.map((variable) => `${variable.name}[${variable.shape}]`).join(" ");
  if (header.model !== model.key || modelVariables !== fileVariables) {
    throw new WeightsFileError(
      filePath,
      `it holds '${header.model}' variables ${fileVariables}, not '${model.key}' variables ${modelVariables}`,
    );
  }
  const differences = (Object.keys(expected) as (keyof WeightsExpectation)[])
    .filter((setting) => header[setting] !== expected[setting])
    .map((setting) => `${setting} ${header[setting]} instead of ${expected[setting]}`);
  if (differences.length > 0) {
    throw new WeightsFileError(filePath, `it was trained with ${differences.join(", ")}`);
  }
  const values = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  if (values.length !== model.parameterCount) {
    throw new WeightsFileError(filePath, `it holds ${values.length} values, the model has ${model.parameterCount}`);
  }
  let offset = 0;
  for (const variable of model.variables) {
    const value = tf.tensor(values.subarray(offset, offset + variable.size), [...variable.shape], "float32");
    offset += variable.size;
    try {
      variable.assign(value);
    } finally {
      value.dispose();
    }
  }
  return metadataOf(header);
}
