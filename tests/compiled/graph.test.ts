import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/backend";
import { CompiledFunction, GraphBuilder, hasCompiledFunction, graphAttr } from "../../src/compiled/graph";

test("a hand-built function computes what the same ops compute eagerly, gradients included", () => {
  const graph = new GraphBuilder();
  let square: CompiledFunction;
  try {
    const x = graph.placeholder("float32", [3], "x");
    const y = graph.op("Mul", [x, x], [graphAttr.type("T", "float32")]);
    const total = graph.op("Sum", [y, graph.constant({ dtype: "int32", shape: [1], values: [0] })], [
      graphAttr.type("T", "float32"),
      graphAttr.type("Tidx", "int32"),
    ]);
    assert.equal(total.shape, [], "the graph infers a scalar");
    const [dx] = graph.gradients([total], [x]);
    square = graph.toFunction("sum_of_squares", { inputs: [x], outputs: [total, dx] });
  } finally {
    graph.dispose();
  }
  const x = tf.tensor1d([1, -2, 3]);
  const [total, dx] = square.call([x]);
  assert.equal(total.dataSync()[0], 14);
  assert.equal(Array.from(dx.dataSync()), [2, -4, 6]);
  tf.dispose([x, total, dx]);

  assert.ok(hasCompiledFunction(square.name));
  square.dispose();
  assert.not.ok(hasCompiledFunction(square.name), "dispose removes the function from the eager context");
});

test("a matrix product's input gradient runs as BatchMatMulV2 (oneDNN's fast path), with the same values", () => {
  const graph = new GraphBuilder();
  let product: CompiledFunction;
  let inputGradientOperation: string;
  try {
    const x = graph.placeholder("float32", [2, 3], "x");
    const w = graph.placeholder("float32", [3, 4], "w");
    const y = graph.op("MatMul", [x, w], [graphAttr.type("T", "float32")]);
    const total = graph.op("Sum", [y, graph.constant({ dtype: "int32", shape: [2], values: [0, 1] })], [
      graphAttr.type("T", "float32"),
      graphAttr.type("Tidx", "int32"),
    ]);
    const [dx, dw] = graph.gradients([total], [x, w]);
    inputGradientOperation = dx.operation;
    product = graph.toFunction("matmul_gradients", { inputs: [x, w], outputs: [dx, dw] });
  } finally {
    graph.dispose();
  }
  assert.match(inputGradientOperation, /as_batch_matmul$/, "d total/dx = ones · wᵀ is the BatchMatMulV2 that replaced MatMul(transpose_b)");
  const [x, w] = [tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), tf.tensor2d([1, -1, 2, 0, 3, 1, -2, 4, 0.5, 2, 1, -3], [3, 4])];
  const [dx, dw] = product.call([x, w]);
  const ones = tf.ones([2, 4]);
  const [expectedDx, expectedDw] = [tf.matMul(ones, w, false, true), tf.matMul(x, ones, true, false)];
  assert.equal(Array.from(dx.dataSync()), Array.from(expectedDx.dataSync()));
  assert.equal(Array.from(dw.dataSync()), Array.from(expectedDw.dataSync()));
  tf.dispose([x, w, dx, dw, ones, expectedDx, expectedDw]);
  product.dispose();
});

test("a bad graph or a bad call is one clear error, and the process carries on", () => {
  const graph = new GraphBuilder();
  try {
    assert.throws(() => graph.op("NoSuchOp", []), /NoSuchOp.*not registered/s);
    const x = graph.placeholder("float32", [2, 2], "x");
    assert.throws(() => graph.op("MatMul", [x], [graphAttr.type("T", "float32")]), /MatMul.*1 inputs? specified/s);
    assert.throws(() => graph.op("Relu", [{ ...x, operation: "missing" }]), /no operation named 'missing'/);
    assert.throws(() => graph.placeholder("float32", [2], "x"), /already has an operation of that name/);
    assert.throws(
      () => graph.op("Relu", [x], [{ name: "T", type: "type", value: "float99" as "float32" }]),
      /Relu operation 'Relu_\d+': attribute 'T': unsupported dtype 'float99'/,
    );
    const doubled = graph.op("AddV2", [x, x], [graphAttr.type("T", "float32")]);
    const orphan = graph.placeholder("float32", [2], "orphan");
    graph.op("Neg", [orphan], [graphAttr.type("T", "float32")]);
    assert.throws(() => graph.toFunction("orphaned", { inputs: [x], outputs: [doubled] }), /placeholders orphan are not among its inputs/);
    assert.throws(() => graph.toFunction("bad name", { inputs: [x], outputs: [doubled] }), /not a valid function name/);
  } finally {
    graph.dispose();
  }
  assert.throws(() => graph.op("Relu", []), /disposed/);

  const readGraph = new GraphBuilder();
  const handle = readGraph.placeholder("resource", [], "handle");
  const value = readGraph.op("ReadVariableOp", [handle], [graphAttr.type("dtype", "float32")]);
  const read = readGraph.toFunction("read", { inputs: [handle], outputs: [value] });
  readGraph.dispose();
  const notAHandle = tf.zeros([2]);
  assert.throws(() => read.call([notAHandle]), /input 'handle' takes a resource handle \(NativeHandle\), got a float32 tensor/);
  notAHandle.dispose();
  read.dispose();
  assert.throws(() => read.call([]), /was disposed/);

});

test.run();
