import { tf } from "../native/backend";

/** Anything `keep` can free: tensors, arrays or maps of them, or an object with dispose() (a model). */
export type Keepable = tf.TensorContainer | { dispose(): void };

const kept = new Map<string, Keepable>();

function release(value: Keepable): void {
  if (value !== null && typeof value === "object" && "dispose" in value && typeof value.dispose === "function") {
    value.dispose();
  } else {
    tf.dispose(value as tf.TensorContainer);
  }
}

/**
 * Holds `value` under `name` for later cells and frees what an earlier run of the
 * cell kept under the same name. Notebook cells are re-run often; without this
 * every re-run would leave its previous tensors (or model variables) in memory.
 *
 *     const digit = keep("digit", mnist.test.images(0, 1));
 */
export function keep<T extends Keepable>(name: string, value: T): T {
  const previous = kept.get(name);
  if (previous !== undefined && previous !== value) release(previous);
  kept.set(name, value);
  return value;
}
