import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { keep } from "../../src/notebook/keep";

test("keeping under a name again frees the earlier tensor", () => {
  const before = tf.memory().numTensors;
  const first = keep("keep-test-tensor", tf.ones([2, 2]));
  const second = keep("keep-test-tensor", tf.zeros([2, 2]));
  assert.ok(first.isDisposed);
  assert.not.ok(second.isDisposed);
  assert.is(tf.memory().numTensors, before + 1);
  keep("keep-test-tensor", second);
  assert.not.ok(second.isDisposed, "keeping the same tensor again must not free it");
});

test("arrays of tensors and disposable objects are freed too", () => {
  const tensors = [tf.ones([1]), tf.ones([1])];
  keep("keep-test-array", tensors);
  keep("keep-test-array", []);
  assert.ok(tensors.every((t) => t.isDisposed));

  let disposed = 0;
  keep("keep-test-model", { dispose: () => disposed++ });
  keep("keep-test-model", { dispose: () => disposed++ });
  assert.is(disposed, 1);
});

test.run();
