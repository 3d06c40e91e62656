/**
 * Layers that add a bias, arranged the way TensorFlow's graph optimizer
 * arranges them: the convolution adds its bias inside oneDNN's kernel (one op
 * instead of Conv2D then Add), the fully connected layer runs TensorFlow's
 * MatMul and BiasAdd (not tfjs's batched matMul between reshapes), and a
 * bias's gradient is one BiasAddGrad instead of tfjs's reshape-and-sum.
 * Registered as tfjs kernels with gradients, so that tfjs only computes the
 * gradients a step needs (never the input image's).
 */
import { tf } from "../backend";
import { attr, runNativeOp, type NativeAttr } from "./native";

const CONV2D_WITH_BIAS = "ChapterConv2DWithBias";
const MATMUL_WITH_BIAS = "ChapterMatMulWithBias";

// TensorFlow registers its oneDNN kernels under this label; the op names are
// internal, so availability is probed once and tfjs's ops are used otherwise.
const ONEDNN_KERNEL_LABEL = "MklNameChangeOp";

const float32 = () => attr.dtype("T", "float32");
const nhwc = () => attr.string("data_format", "NHWC");

/** Stride 1 and SAME padding, the only convolution the chapter uses. */
function convolutionAttrs(): NativeAttr[] {
  return [float32(), attr.ints("strides", [1, 1, 1, 1]), attr.string("padding", "SAME"), nhwc(), attr.ints("dilations", [1, 1, 1, 1])];
}

function matMulAttrs(transposeFirst: boolean): NativeAttr[] {
  return [float32(), attr.bool("transpose_a", transposeFirst), attr.bool("transpose_b", false)];
}

function biasGradient(dy: tf.Tensor): tf.Tensor {
  return runNativeOp("BiasAddGrad", [float32(), nhwc()], [dy])[0];
}

function registerKernels(): void {
  tf.registerKernel({
    kernelName: CONV2D_WITH_BIAS,
    backendName: "tensorflow",
    kernelFunc: ({ inputs: { x, filter, bias } }) =>
      runNativeOp(
        "_MklNativeConv2DWithBias",
        [...convolutionAttrs(), attr.string("_kernel", ONEDNN_KERNEL_LABEL)],
        [x as tf.Tensor, filter as tf.Tensor, bias as tf.Tensor],
      )[0],
  });
  tf.registerGradient({
    kernelName: CONV2D_WITH_BIAS,
    inputsToSave: ["x", "filter"],
    gradFunc: (dy, [x, filter]) => ({
      x: () => runNativeOp("Conv2DBackpropInput", convolutionAttrs(), [tf.tensor1d(x.shape, "int32"), filter, dy as tf.Tensor])[0],
      filter: () => runNativeOp("Conv2DBackpropFilter", convolutionAttrs(), [x, tf.tensor1d(filter.shape, "int32"), dy as tf.Tensor])[0],
      bias: () => biasGradient(dy as tf.Tensor),
    }),
  });
  tf.registerKernel({
    kernelName: MATMUL_WITH_BIAS,
    backendName: "tensorflow",
    kernelFunc: ({ inputs: { x, weights, bias } }) => {
      const [product] = runNativeOp("MatMul", matMulAttrs(false), [x as tf.Tensor, weights as tf.Tensor]);
      try {
        return runNativeOp("BiasAdd", [float32(), nhwc()], [product, bias as tf.Tensor])[0];
      } finally {
        product.dispose();
      }
    },
  });
  tf.registerGradient({
    kernelName: MATMUL_WITH_BIAS,
    inputsToSave: ["x", "weights"],
    gradFunc: (dy, [x, weights]) => ({
      // TensorFlow's MatMul is slow with a transposed second operand; tfjs's batched matMul is not.
      x: () => tf.matMul(dy as tf.Tensor2D, weights as tf.Tensor2D, false, true),
      weights: () => runNativeOp("MatMul", matMulAttrs(true), [x, dy as tf.Tensor])[0],
      bias: () => biasGradient(dy as tf.Tensor),
    }),
  });
}

let kernelsAvailable: boolean | undefined;

function nativeKernelsAvailable(): boolean {
  if (kernelsAvailable === undefined) {
    registerKernels();
    try {
      tf.tidy(() => {
        tf.engine().runKernel(CONV2D_WITH_BIAS, { x: tf.zeros([1, 2, 2, 1]), filter: tf.zeros([1, 1, 1, 1]), bias: tf.zeros([1]) });
      });
      kernelsAvailable = true;
    } catch {
      kernelsAvailable = false;
    }
  }
  return kernelsAvailable;
}

/** conv2d(x, W) + b, stride 1, SAME padding, as one native op. */
export function nativeConv2dWithBias(x: tf.Tensor4D, W: tf.Tensor4D, b: tf.Tensor1D): tf.Tensor4D {
  if (!nativeKernelsAvailable()) {
    return tf.add(tf.conv2d(x, W, 1, "same"), b);
  }
  return tf.engine().runKernel(CONV2D_WITH_BIAS, { x, filter: W, bias: b }) as tf.Tensor4D;
}

/** x · W + b as native ops (TensorFlow's MatMul, not tfjs's batched matMul with reshapes). */
export function nativeMatMulWithBias(x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  if (!nativeKernelsAvailable()) {
    return tf.add(tf.matMul(x, W), b);
  }
  return tf.engine().runKernel(MATMUL_WITH_BIAS, { x, weights: W, bias: b }) as tf.Tensor2D;
}
