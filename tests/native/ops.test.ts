import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/backend";
import { ANONYMOUS_RESOURCE_NAME, attr, createNativeHandle, deleteNativeHandle, liveNativeHandles, runNativeOp, runNativeOpForEffect } from "../../src/native/ops";

/** A resource variable's handle: native memory that tf.memory() does not count. */
function createVariableHandle(shape: number[]) {
  return createNativeHandle(
    "VarHandleOp",
    [
      attr.dtype("dtype", "float32"),
      attr.shape("shape", shape),
      attr.string("container", ""),
      attr.string("shared_name", ANONYMOUS_RESOURCE_NAME),
    ],
    [],
  );
}

test("liveNativeHandles counts the handles created and not yet deleted", () => {
  const before = liveNativeHandles();
  const first = createVariableHandle([2]);
  const second = createVariableHandle([3]);
  assert.is(liveNativeHandles(), before + 2);
  deleteNativeHandle(first);
  assert.is(liveNativeHandles(), before + 1);
  deleteNativeHandle(second);
  assert.is(liveNativeHandles(), before);
});

test("a native handle works as an op input until it is deleted; deleting it twice is an error", () => {
  const handle = createVariableHandle([2]);
  const value = tf.tensor1d([4, 5]);
  runNativeOpForEffect("AssignVariableOp", [attr.dtype("dtype", "float32")], [handle, value]);
  const [read] = runNativeOp("ReadVariableOp", [attr.dtype("dtype", "float32")], [handle]);
  assert.equal(Array.from(read.dataSync()), [4, 5]);
  tf.dispose([value, read]);
  deleteNativeHandle(handle);
  const before = liveNativeHandles();
  assert.throws(() => deleteNativeHandle(handle), /Native handle \d+ was deleted already/);
  assert.is(liveNativeHandles(), before);
});

test.run();
