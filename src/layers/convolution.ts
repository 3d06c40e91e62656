/**
 * Convolution plus bias arranged the way TensorFlow's graph optimizer arranges
 * it: the bias is added inside oneDNN's convolution kernel (one op instead of
 * Conv2D then Add), and the bias's gradient is one BiasAddGrad instead of
 * tfjs's reshape-and-sum. Registered as a tfjs kernel with its gradient, so
 * that tfjs only computes the gradients a step needs (never the input image's).
 * Where this TensorFlow build lacks the oneDNN kernel, tfjs's conv2d and add
 * run instead (src/native/kernels.ts).
 */
import { tf } from "../native/backend";
import { probedKernel } from "../native/kernels";
import { attr, ONEDNN_KERNEL_LABEL, runNativeOp, type NativeAttr } from "../native/ops";

const CONV2D_WITH_BIAS = "ChapterConv2DWithBias";

const float32 = () => attr.dtype("T", "float32");
const nhwc = () => attr.string("data_format", "NHWC");

/** Stride 1 and SAME padding, the only convolution the chapter uses. */
function convolutionAttrs(): NativeAttr[] {
  return [float32(), attr.ints("strides", [1, 1, 1, 1]), attr.string("padding", "SAME"), nhwc(), attr.ints("dilations", [1, 1, 1, 1])];
}

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
    bias: () => runNativeOp("BiasAddGrad", [float32(), nhwc()], [dy as tf.Tensor])[0],
  }),
});

const conv2dWithBiasKernel = probedKernel({
  name: "conv2d + bias",
  nativeKernel: "oneDNN _MklNativeConv2DWithBias",
  fallbackKernel: "tfjs conv2d + add",
  probe: () => void tf.engine().runKernel(CONV2D_WITH_BIAS, { x: tf.zeros([1, 2, 2, 1]), filter: tf.zeros([1, 1, 1, 1]), bias: tf.zeros([1]) }),
});

/** conv2d(x, W) + b, stride 1, SAME padding, as one native op (tfjs's conv2d and add where this build lacks it). */
export function nativeConv2dWithBias(x: tf.Tensor4D, W: tf.Tensor4D, b: tf.Tensor1D): tf.Tensor4D {
  if (!conv2dWithBiasKernel.native) {
    return tf.add(tf.conv2d(x, W, 1, "same"), b);
  }
  return tf.engine().runKernel(CONV2D_WITH_BIAS, { x, filter: W, bias: b }) as tf.Tensor4D;
}
