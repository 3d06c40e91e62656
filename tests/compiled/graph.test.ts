import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import {
  CompiledFunction,
  GraphBuilder,
  GraphCompileError,
  hasCompiledFunction,
  graphAttr,
  isUncompilable,
  liveNativeGraphs,
  type GraphTensor,
} from "../../src/compiled/graph";
import { UntraceableError } from "../../src/compiled/trace";
import { asNodeKernelBackend, type NativeAttr } from "../../src/native/binding";
import { attr, runNativeOp, tfStatusOf } from "../../src/native/ops";
import { bfloat16Test } from "../bfloat16";

/** What `body` threw (fails the test when it throws nothing). */
function thrown(body: () => unknown): Error {
  try {
    body();
  } catch (error) {
    assert.instance(error, Error);
    return error as Error;
  }
  assert.unreachable("expected an error");
  throw new Error("unreachable");
}

/** x · x summed, as a function of a float32 [n] placeholder; the graph tensors for its input and output. */
function sumOfSquares(graph: GraphBuilder, x: GraphTensor): GraphTensor {
  const squares = graph.op("Mul", [x, x], [graphAttr.type("T", "float32")]);
  const axis = graph.constant({ dtype: "int32", shape: [1], values: [0] }, "axis");
  return graph.op("Sum", [squares, axis], [graphAttr.type("T", "float32"), graphAttr.type("Tidx", "int32")]);
}

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

/** A function of two float32 [n, n] placeholders: their matrix product plus 1, in `precision`. */
function productPlusOne(n: number, precision: "float32" | "bfloat16"): CompiledFunction {
  const graph = new GraphBuilder();
  try {
    const [a, b] = ["a", "b"].map((name) => graph.placeholder("float32", [n, n], name));
    const product = graph.op("MatMul", [a, b], [graphAttr.type("T", "float32")]);
    const sum = graph.op("AddV2", [product, graph.constant(1)], [graphAttr.type("T", "float32")]);
    return graph.toFunction(`product_plus_one_${precision}`, { inputs: [a, b], outputs: [sum] }, { precision });
  } finally {
    graph.dispose();
  }
}

bfloat16Test('precision "bfloat16": the function computes its matrix product in bfloat16 and still returns float32', () => {
  const n = 64;
  const [a, b] = [tf.randomNormal([n, n], 0, 1, "float32", 1), tf.randomNormal([n, n], 0, 1, "float32", 2)];
  const [float32, bfloat16] = [productPlusOne(n, "float32"), productPlusOne(n, "bfloat16")];
  try {
    const [expected] = float32.call([a, b]);
    const [actual] = bfloat16.call([a, b]);
    assert.is(actual.dtype, "float32", "what crosses the function's boundary stays float32");
    const relative = tf.tidy(() => tf.norm(tf.sub(actual, expected)).div(tf.norm(expected)).dataSync()[0]);
    // bfloat16 keeps 8 significant bits: each product's terms round by up to 0.4%, their sum by about 0.1–0.5%.
    assert.ok(relative > 1e-4, `the product ran in bfloat16 (float32's would agree to 1e-6; difference ${relative})`);
    assert.ok(relative < 2e-2, `the bfloat16 product is the float32 one to rounding (difference ${relative})`);
    tf.dispose([expected, actual]);
  } finally {
    [float32, bfloat16].forEach((f) => f.dispose());
    tf.dispose([a, b]);
  }
});

test('precision "bfloat16" is a Grappler rewrite: without optimize it is refused by name', () => {
  const graph = new GraphBuilder();
  try {
    const x = graph.placeholder("float32", [2], "x");
    const message = thrown(() => graph.toFunction("unoptimized", { inputs: [x], outputs: [x] }, { optimize: false, precision: "bfloat16" })).message;
    assert.match(message, /'unoptimized': precision "bfloat16" is a Grappler rewrite; it needs optimize: true/);
  } finally {
    graph.dispose();
  }
});

test("a string attribute may be bytes: a Uint8Array reaches TensorFlow unchanged, other typed arrays are refused", () => {
  // StringJoin's `separator` shows what TensorFlow received.
  const join = (separator: NativeAttr) => {
    const parts = [tf.scalar("a"), tf.scalar("b")];
    try {
      const count: NativeAttr = { name: "N", type: asNodeKernelBackend(tf.backend()).binding.TF_ATTR_INT, value: 2 };
      return runNativeOp("StringJoin", [count, separator], parts, 1)[0];
    } finally {
      tf.dispose(parts);
    }
  };
  const joined = join(attr.string("separator", new Uint8Array([0x2d, 0xc3, 0xa9, 0x2d]))); // "-é-" in UTF-8, as raw bytes
  assert.equal(joined.dataSync() as unknown as string[], ["a-é-b"]);
  joined.dispose();
  const wrong = { ...attr.string("separator", ""), value: new Float32Array([1]) as unknown as Uint8Array };
  assert.match(thrown(() => join(wrong)).message, /String attribute 'separator' takes a string or a Uint8Array/);
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

test("an attribute TensorFlow rejects adds nothing: the same builder then builds and runs the function", () => {
  const graphsBefore = liveNativeGraphs();
  const graph = new GraphBuilder();
  let square: CompiledFunction;
  try {
    const x = graph.placeholder("float32", [3], "x");
    const axis = { dtype: "int32", shape: [1], values: [0] } as const;
    const rejected = [
      // A tensor where the op's attribute is a type, and the reverse.
      () => graph.op("Const", [], [graphAttr.tensor("dtype", axis), graphAttr.tensor("value", axis)], { name: "axis" }),
      () => graph.op("Const", [], [graphAttr.type("dtype", "int32"), graphAttr.type("value", "int32")], { name: "axis" }),
      // A type the op allows, but not the one its inputs have.
      () => graph.op("Mul", [x, x], [graphAttr.type("T", "bool")], { name: "axis" }),
    ];
    for (const add of rejected) {
      const error = thrown(add);
      assert.match(error.message, /could not add (Const|Mul) operation 'axis': (AttrValue had value with type|Inconsistent values for attr 'T')/);
      assert.is(tfStatusOf(error), "INVALID_ARGUMENT");
      assert.not.ok(isUncompilable(error), "a rejected attribute is not a missing op");
    }
    // The same name again: the failed operations left no node behind to clash with.
    square = graph.toFunction("after_failed_attribute", { inputs: [x], outputs: [sumOfSquares(graph, x)] });
  } finally {
    graph.dispose();
  }
  assert.is(liveNativeGraphs(), graphsBefore, "dispose freed the native graph");
  const x = tf.tensor1d([1, 2, 3]);
  const [total] = square.call([x]);
  assert.is(total.dataSync()[0], 14);
  tf.dispose([x, total]);
  square.dispose();
  square.dispose();
  assert.not.ok(hasCompiledFunction(square.name), "a second dispose does nothing");
});

test("an int32 constant outside int32's range is refused, and so is a shape too large to count", () => {
  const graph = new GraphBuilder();
  try {
    assert.throws(
      () => graph.constant({ dtype: "int32", shape: [2], values: [1, 2 ** 31] }),
      /values\[1\] = 2147483648 is outside int32's range \[-2147483648, 2147483647\]; make the constant int64/,
    );
    assert.throws(() => graph.constant({ dtype: "int32", shape: [1], values: [-(2 ** 31) - 1] }), /-2147483649 is outside int32's range/);
    const edges = graph.constant({ dtype: "int32", shape: [2], values: [-(2 ** 31), 2 ** 31 - 1] });
    assert.equal(edges.shape, [2], "int32's own limits are accepted");
    const wide = graph.constant({ dtype: "int64", shape: [1], values: [2 ** 40] });
    assert.is(wide.dtype, "int64");
    // 2^40 · 2^40 wraps to 0 in int64 arithmetic: without the check, it would match no values.
    assert.throws(() => graph.constant({ dtype: "float32", shape: [2 ** 40, 2 ** 40], values: [] }), /the shape holds more than \d+ values \(0 were given\)/);
  } finally {
    graph.dispose();
  }
});

test("TensorFlow's status code reaches JavaScript, and only what TensorFlow cannot do is uncompilable", () => {
  const graph = new GraphBuilder();
  try {
    const unknownOp = thrown(() => graph.op("NoSuchOp", []));
    assert.instance(unknownOp, GraphCompileError);
    assert.ok(isUncompilable(unknownOp));
    assert.is((unknownOp as GraphCompileError).tfStatus, "INVALID_ARGUMENT", "building a graph, TensorFlow reports an unknown op type so");
    assert.is(
      ((unknownOp as GraphCompileError).cause as { tfStatus?: string }).tfStatus,
      "INVALID_ARGUMENT",
      "the addon's own error carries the code as tfStatus",
    );
    assert.match(unknownOp.message, /Op type not registered 'NoSuchOp'/);

    const x = graph.placeholder("float32", [2, 2], "x");
    const y = graph.placeholder("float32", [3, 3], "y");
    const mismatch = thrown(() => graph.op("AddV2", [x, y], [graphAttr.type("T", "float32")]));
    assert.not.instance(mismatch, GraphCompileError);
    assert.not.ok(isUncompilable(mismatch), "a shape mismatch is the model's mistake");
    assert.is(tfStatusOf(mismatch), "INVALID_ARGUMENT");
    assert.match(mismatch.message, /Dimensions must be equal/);

    const rounded = graph.op("Round", [x], [graphAttr.type("T", "float32")]);
    const noGradient = thrown(() => graph.gradients([rounded], [x]));
    assert.instance(noGradient, GraphCompileError);
    assert.is((noGradient as GraphCompileError).tfStatus, "NOT_FOUND");
    assert.match(noGradient.message, /No gradient defined for op: Round/);
    const unconnected = thrown(() => graph.gradients([rounded], [y]));
    assert.not.ok(isUncompilable(unconnected), "asking for the gradient of an unrelated x is the caller's mistake");
    assert.match(unconnected.message, /partial derivative for node 'y' as it's unreachable/);
    assert.is(tfStatusOf(unconnected), "INVALID_ARGUMENT");
    const floored = graph.op("Floor", [x], [graphAttr.type("T", "float32")]);
    const stepwise = thrown(() => graph.gradients([floored], [x]));
    assert.not.ok(isUncompilable(stepwise), "TensorFlow registers Floor as having no gradient: not a missing registration");
    assert.match(stepwise.message, /xs\[0\] gets no gradient/);
  } finally {
    graph.dispose();
  }

  assert.ok(isUncompilable(new UntraceableError("attribute 'x' of Foo (type 9) has no graph encoding here")));
  assert.ok(isUncompilable(Object.assign(new Error("wrapped"), { cause: new GraphCompileError("inner", "UNIMPLEMENTED") })));
  assert.not.ok(isUncompilable(new Error("Invalid TF_Status: 5\nMessage: No registered 'Foo' OpKernel")), "only GraphCompileErrors count");
  assert.not.ok(isUncompilable("not an error"));
});

test("a kernel missing at the first call is uncompilable; a failed call keeps TensorFlow's error as its cause", () => {
  const graph = new GraphBuilder();
  let uint8Product: CompiledFunction;
  let product: CompiledFunction;
  try {
    const x = graph.placeholder("float32", null, "x");
    const w = graph.placeholder("float32", null, "w");
    product = graph.toFunction("unknown_shapes_product", {
      inputs: [x, w],
      outputs: [graph.op("MatMul", [x, w], [graphAttr.type("T", "float32")])],
    });
    const cast = (t: GraphTensor) =>
      graph.op("Cast", [t], [graphAttr.type("SrcT", "float32"), graphAttr.type("DstT", "uint8"), graphAttr.bool("Truncate", false)]);
    uint8Product = graph.toFunction("uint8_product", {
      inputs: [x, w],
      outputs: [graph.op("MatMul", [cast(x), cast(w)], [graphAttr.type("T", "uint8")])],
    });
  } finally {
    graph.dispose();
  }
  const [a, b] = [tf.ones([2, 3]), tf.ones([4, 2])];
  try {
    const noKernel = thrown(() => uint8Product.call([a, b]));
    assert.instance(noKernel, GraphCompileError);
    assert.match(noKernel.message, /Compiled function 'uint8_product_\d+' cannot run on this TensorFlow build: .*No OpKernel was registered to support Op 'MatMul'/s);
    assert.match(String((noKernel as GraphCompileError).cause), /Invalid TF_Status: 3/);

    const wrongShapes = thrown(() => product.call([a, b]));
    assert.not.ok(isUncompilable(wrongShapes));
    assert.match(wrongShapes.message, /Compiled function 'unknown_shapes_product_\d+' failed: .*Matrix size-incompatible/s);
    const cause = (wrongShapes as Error & { cause?: unknown }).cause;
    assert.instance(cause, Error, "the binding's own error is kept as the cause");
    assert.is(tfStatusOf(cause), "INVALID_ARGUMENT");
  } finally {
    tf.dispose([a, b]);
    uint8Product.dispose();
    product.dispose();
  }
});

test.run();
