import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { fullLayer, ModelVariable, VariableStore } from "../../src/layers";
import { liveNativeHandles } from "../../src/native/ops";

// Model variables live in TensorFlow's memory as native handles, which tf.memory() does not count.

test("a ModelVariable holds one native handle until it is disposed", () => {
  const before = liveNativeHandles();
  const initial = tf.zeros([3, 4]);
  const variable = new ModelVariable("w", initial);
  initial.dispose();
  assert.is(liveNativeHandles(), before + 1);
  variable.dispose();
  assert.is(liveNativeHandles(), before);
  variable.dispose();
  assert.is(liveNativeHandles(), before, "a second dispose changes nothing");
});

test("disposing a store releases every variable its forward pass created", () => {
  const before = liveNativeHandles();
  const store = new VariableStore(1);
  tf.tidy(() => store.run(() => fullLayer(fullLayer(tf.ones([2, 5]) as tf.Tensor2D, 4), 3)));
  assert.is(liveNativeHandles(), before + 4);
  store.dispose();
  assert.is(liveNativeHandles(), before);
});

test("a ModelVariable whose initial value cannot be assigned leaves no native handle", () => {
  const before = liveNativeHandles();
  const int32Value = tf.tensor1d([1, 2], "int32");
  assert.throws(() => new ModelVariable("w", int32Value), /Cannot assign a int32 tensor of shape \[2\] to variable 'w'/);
  int32Value.dispose();
  const disposedValue = tf.ones([2]);
  disposedValue.dispose();
  assert.throws(() => new ModelVariable("w", disposedValue), /Cannot assign a disposed tensor to variable .w./);
  assert.is(liveNativeHandles(), before);
});

test("an initial value of the wrong shape is an error naming both shapes, and leaves no native handle", () => {
  const before = liveNativeHandles();
  const store = new VariableStore(1);
  assert.throws(
    () => tf.tidy(() => store.run(() => store.variable("weight", [2, 3], () => tf.zeros([3, 2])))),
    /initial value of a weight of shape \[2,3\] has shape \[3,2\]/,
  );
  assert.is(store.variables.length, 0);
  assert.is(liveNativeHandles(), before);
});

test.run();
