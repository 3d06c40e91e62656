import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { GraphBuilder, type CompiledFunction } from "../../src/compiled/graph";
import { traceInto } from "../../src/compiled/trace";
import { asNodeKernelBackend } from "../../src/native/binding";

const backend = () => asNodeKernelBackend(tf.backend());

test("a trace inside a traced body records into both graphs, and a failed inner trace leaves the outer one recording", () => {
  const { binding } = backend();
  const outerGraph = new GraphBuilder();
  const innerGraph = new GraphBuilder();
  const x = tf.tensor1d([1, -2]);
  let outer: CompiledFunction;
  let inner: CompiledFunction;
  try {
    const outerInput = outerGraph.placeholder("float32", [2], "x");
    const innerInput = innerGraph.placeholder("float32", [2], "x");
    let innerOutputs: ReturnType<typeof traceInto>["outputs"] = [];
    const outerTrace = traceInto(outerGraph, new Map([[x, outerInput]]), () => {
      const doubled = tf.mul(x, 2);
      innerOutputs = traceInto(innerGraph, new Map([[doubled, innerInput]]), () => [tf.neg(doubled)]).outputs;
      const failingGraph = new GraphBuilder();
      try {
        const fail = () => {
          throw new Error("the inner body failed");
        };
        assert.throws(() => traceInto(failingGraph, new Map(), fail), /the inner body failed/);
      } finally {
        failingGraph.dispose();
      }
      return [tf.add(tf.neg(doubled), 1)];
    });
    outer = outerGraph.toFunction("outer_trace", { inputs: [outerInput], outputs: outerTrace.outputs });
    inner = innerGraph.toFunction("inner_trace", { inputs: [innerInput], outputs: innerOutputs });
  } finally {
    outerGraph.dispose();
    innerGraph.dispose();
  }
  assert.is(backend().binding, binding, "the binding is the addon's again");
  assert.not.ok(Object.prototype.hasOwnProperty.call(backend(), "getInputTensorIds"), "getInputTensorIds is the backend's own again");

  const [outerResult] = outer.call([x]);
  const [innerResult] = inner.call([x]);
  assert.equal(Array.from(outerResult.dataSync()), [-1, 5], "-(2x) + 1, with the ops after the inner traces recorded");
  assert.equal(Array.from(innerResult.dataSync()), [-1, 2], "-x: the inner graph holds its own ops only");
  tf.dispose([x, outerResult, innerResult]);
  outer.dispose();
  inner.dispose();
});

test.run();
