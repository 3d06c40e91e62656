/**
 * The chapter's building blocks as graph operations: what the layer helpers
 * of src/layers compute eagerly, emitted into a GraphBuilder. Written as
 * TensorFlow's graph optimizer expects to find them (Conv2D → BiasAdd → Relu,
 * MatMul → BiasAdd), so that it can fuse them.
 */
import { graphAttr, type GraphBuilder, type GraphOperation, type GraphTensor } from "./graph";

const float32 = graphAttr.type("T", "float32");
const nhwc = graphAttr.string("data_format", "NHWC");

/** The value of a float32 resource variable, from its handle. */
export function readVariable(graph: GraphBuilder, handle: GraphTensor): GraphTensor {
  return graph.op("ReadVariableOp", [handle], [graphAttr.type("dtype", "float32")]);
}

/** An int32 vector constant (shapes, axes). */
export function int32Vector(graph: GraphBuilder, values: readonly number[]): GraphTensor {
  return graph.constant({ dtype: "int32", shape: [values.length], values });
}

/** relu(conv2d(x, W) + b): stride 1, SAME padding, as convLayer. */
export function convBiasRelu(graph: GraphBuilder, x: GraphTensor, W: GraphTensor, b: GraphTensor): GraphTensor {
  const convolution = graph.op("Conv2D", [x, W], [
    float32,
    graphAttr.ints("strides", [1, 1, 1, 1]),
    graphAttr.string("padding", "SAME"),
    nhwc,
  ]);
  return relu(graph, graph.op("BiasAdd", [convolution, b], [float32, nhwc]));
}

/** Max pooling over size×size windows, stride `size`, SAME padding, as maxPool. */
export function maxPool(graph: GraphBuilder, x: GraphTensor, size: number): GraphTensor {
  return graph.op("MaxPool", [x], [
    float32,
    graphAttr.ints("ksize", [1, size, size, 1]),
    graphAttr.ints("strides", [1, size, size, 1]),
    graphAttr.string("padding", "SAME"),
    nhwc,
  ]);
}

export function relu(graph: GraphBuilder, x: GraphTensor): GraphTensor {
  return graph.op("Relu", [x], [float32]);
}

export function reshape(graph: GraphBuilder, x: GraphTensor, shape: readonly number[]): GraphTensor {
  return graph.op("Reshape", [x, int32Vector(graph, shape)], [float32, graphAttr.type("Tshape", "int32")]);
}

/** x · W + b, as fullLayer. */
export function matMulBias(graph: GraphBuilder, x: GraphTensor, W: GraphTensor, b: GraphTensor): GraphTensor {
  const product = graph.op("MatMul", [x, W], [float32, graphAttr.bool("transpose_a", false), graphAttr.bool("transpose_b", false)]);
  return graph.op("BiasAdd", [product, b], [float32, nhwc]);
}

/**
 * Dropout with the mask dropout() draws eagerly for the same seed pair (an
 * int32 [2] tensor): keep where floor(uniform + keepProb) is 1, scale by 1/keepProb.
 */
export function dropout(graph: GraphBuilder, x: GraphTensor, keepProb: number, seed: GraphTensor, shape: readonly number[]): GraphTensor {
  const uniform = graph.op("StatelessRandomUniform", [int32Vector(graph, shape), seed], [
    graphAttr.type("dtype", "float32"),
    graphAttr.type("T", "int32"),
    graphAttr.type("Tseed", "int32"),
  ]);
  const keepMask = graph.op("Floor", [graph.op("AddV2", [uniform, graph.constant(keepProb)], [float32])], [float32]);
  const scale = graph.op("RealDiv", [keepMask, graph.constant(keepProb)], [float32]);
  return graph.op("Mul", [x, scale], [float32]);
}

/** Mean over the batch of softmax cross-entropy between one-hot `labels` and `logits`, as crossEntropyCost. */
export function meanSoftmaxCrossEntropy(graph: GraphBuilder, logits: GraphTensor, labels: GraphTensor): GraphTensor {
  const [perExample] = graph.operation("SoftmaxCrossEntropyWithLogits", [logits, labels], [float32]).outputs;
  return graph.op("Mean", [perExample, int32Vector(graph, [0])], [
    float32,
    graphAttr.type("Tidx", "int32"),
    graphAttr.bool("keep_dims", false),
  ]);
}

/** One Adam update's inputs: the variable's handle and its two moments' handles. */
export interface AdamSlots {
  variable: GraphTensor;
  firstMoment: GraphTensor;
  secondMoment: GraphTensor;
}

/** Adam's scalar inputs: β^t are per step, the rest are fixed. */
export interface AdamScalars {
  beta1Power: GraphTensor;
  beta2Power: GraphTensor;
  learningRate: GraphTensor;
  beta1: GraphTensor;
  beta2: GraphTensor;
  epsilon: GraphTensor;
}

/** ResourceApplyAdam on each variable, as AdamOptimizer.applyGradients; returns the update operations. */
export function adamUpdates(
  graph: GraphBuilder,
  slots: readonly AdamSlots[],
  gradients: readonly GraphTensor[],
  scalars: AdamScalars,
): GraphOperation[] {
  const { beta1Power, beta2Power, learningRate, beta1, beta2, epsilon } = scalars;
  return slots.map(({ variable, firstMoment, secondMoment }, i) =>
    graph.operation(
      "ResourceApplyAdam",
      [variable, firstMoment, secondMoment, beta1Power, beta2Power, learningRate, beta1, beta2, epsilon, gradients[i]],
      [float32, graphAttr.bool("use_locking", false), graphAttr.bool("use_nesterov", false)],
    ),
  );
}
