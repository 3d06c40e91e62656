import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import {
  ANONYMOUS_RESOURCE_NAME,
  attr,
  createNativeHandle,
  deleteNativeHandle,
  isNotRegisteredError,
  liveNativeHandles,
  runNativeOp,
  runNativeOpForEffect,
  tfStatusOf,
} from "../../src/native/ops";

/** What `body` threw (fails the test when it throws nothing). */
function thrown(body: () => unknown): unknown {
  try {
    body();
  } catch (error) {
    return error;
  }
  assert.unreachable("expected an error");
}

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

test("TensorFlow's status code is read from the binding's errors; only a missing op or kernel counts as not registered", () => {
  const x = tf.tensor1d([1, 2]);
  // A named variable exists only once assigned (an anonymous one exists from the start).
  const handle = createNativeHandle(
    "VarHandleOp",
    [attr.dtype("dtype", "float32"), attr.shape("shape", [2]), attr.string("container", ""), attr.string("shared_name", "ops_test_never_assigned")],
    [],
  );
  try {
    const noSuchOp = thrown(() => runNativeOp("NoSuchOp", [], [x]));
    assert.is(tfStatusOf(noSuchOp), "NOT_FOUND");
    assert.ok(isNotRegisteredError(noSuchOp));

    const noKernel = thrown(() => runNativeOp("Relu", [attr.dtype("T", "float32"), attr.string("_kernel", "NoSuchLabel")], [x]));
    assert.is(tfStatusOf(noKernel), "NOT_FOUND");
    assert.ok(isNotRegisteredError(noKernel), "no kernel under this label");

    const unassigned = thrown(() => runNativeOp("ReadVariableOp", [attr.dtype("dtype", "float32")], [handle]));
    assert.is(tfStatusOf(unassigned), "FAILED_PRECONDITION");
    assert.not.ok(isNotRegisteredError(unassigned), "reading a variable never assigned is not a missing kernel");
    const missingResource = thrown(() => runNativeOpForEffect("DestroyResourceOp", [attr.bool("ignore_lookup_error", false)], [handle]));
    assert.is(tfStatusOf(missingResource), "NOT_FOUND");
    assert.not.ok(isNotRegisteredError(missingResource), "NOT_FOUND for a resource is not a missing kernel");

    const wrongRank = thrown(() => runNativeOp("MatMul", [attr.dtype("T", "float32")], [x, x]));
    assert.is(tfStatusOf(wrongRank), "INVALID_ARGUMENT");
    assert.not.ok(isNotRegisteredError(wrongRank));

    assert.is(tfStatusOf(new Error("Invalid TF_Status: 12\nMessage: no")), "UNIMPLEMENTED");
    assert.is(tfStatusOf(Object.assign(new Error("graphApi: ..."), { tfStatus: "NOT_FOUND" })), "NOT_FOUND");
    assert.is(tfStatusOf(new Error("Op type not registered 'X'")), null, "no TensorFlow status in a plain error");
    assert.not.ok(isNotRegisteredError(new Error("Op type not registered 'X'")));
    assert.is(tfStatusOf("Invalid TF_Status: 5\n"), null, "not an Error");
  } finally {
    x.dispose();
    deleteNativeHandle(handle);
  }
});

test.run();
