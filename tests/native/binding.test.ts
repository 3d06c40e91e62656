import { readFileSync } from "fs";
import { join } from "path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { asNodeKernelBackend, type NativeBinding } from "../../src/native/binding";

/** The binding's tensor functions that tfjs-node's backend uses to upload and read back values. */
type TensorBinding = NativeBinding & {
  createTensor(shape: number[], dtype: number, values: Float32Array): number;
  tensorDataSync(id: number): Float32Array;
};

// tfjs-node's own binding hands TensorFlow the typed array's memory whenever it is
// 64-byte aligned; TensorFlow may then release it on one of its worker threads, where
// the release (an N-API call) corrupts V8's heap. addon/tfjs-binding.patch makes it copy.
test("a tensor created from a typed array owns a copy of its values at every alignment", () => {
  const binding = asNodeKernelBackend(tf.backend()).binding as TensorBinding;
  const memory = new ArrayBuffer(64 * 1024);
  // Offsets 0, 16, 32 and 48 bytes: one of them is 64-byte aligned, whatever the buffer's address.
  for (const offset of [0, 16, 32, 48]) {
    const values = new Float32Array(memory, offset, 1024).fill(1);
    const id = binding.createTensor([1024], binding.TF_FLOAT, values);
    try {
      values.fill(2);
      const read = binding.tensorDataSync(id);
      assert.ok(read.every((value) => value === 1), `at byte offset ${offset} the tensor shares the typed array's memory`);
    } finally {
      binding.deleteTensor(id);
    }
  }
});

// src/native/backend.ts imports src/native/binding.ts, so binding.ts must not import it back,
// not even for types (tools that order modules, and readers, see the cycle).
test("src/native/binding.ts imports nothing from the project, so it takes no part in an import cycle", () => {
  const source = readFileSync(join(__dirname, "../../src/native/binding.ts"), "utf8");
  const imports = [...source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gms)].map((match) => match[1]);
  assert.ok(imports.length > 0, "the pattern finds its imports");
  assert.equal(imports.filter((path) => path.startsWith(".")), [], "only packages are imported");
});

test.run();
