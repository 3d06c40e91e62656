/**
 * Max pooling on oneDNN's kernels. TensorFlow's generic MaxPoolGrad (what
 * tfjs calls) took 7–13 ms per MNIST step on this machine; oneDNN's pooling
 * pair, which records the argmax positions in a workspace during the forward
 * pass, takes under 1 ms for forward and backward together, with identical
 * results. Where this TensorFlow build lacks them, tfjs's maxPool (TensorFlow's
 * generic MaxPool and MaxPoolGrad) runs instead (src/native/kernels.ts).
 */
import { tf } from "../native/backend";
import { probedKernel } from "../native/kernels";
import { attr, ONEDNN_KERNEL_LABEL, runNativeOp, type NativeAttr } from "../native/ops";
import { recordLayerOutput } from "./layer-outputs";

/** SAME pads the input so every value is in a window (the chapter's); VALID drops the last rows and columns that do not fill one (airbench's: 31 → 15). */
export type PoolingPadding = "same" | "valid";

function poolingAttrs(size: number, padding: PoolingPadding): NativeAttr[] {
  return [
    attr.dtype("T", "float32"),
    attr.ints("ksize", [1, size, size, 1]),
    attr.ints("strides", [1, size, size, 1]),
    attr.string("padding", padding.toUpperCase()),
    attr.string("data_format", "NHWC"),
    attr.bool("workspace_enabled", true),
    attr.string("_kernel", ONEDNN_KERNEL_LABEL),
  ];
}

/**
 * The workspace output is a uint8 tensor that tfjs labels int32; it only ever
 * goes back into the gradient op, never to JavaScript.
 */
const oneDnnMaxPool = (size: number, padding: PoolingPadding) =>
  tf.customGrad((x, save) => {
    const [output, workspace] = runNativeOp("_MklNativeMaxPool", poolingAttrs(size, padding), [x as tf.Tensor], 2);
    (save as tf.GradSaveFunc)([x as tf.Tensor, output, workspace]);
    return {
      value: output,
      gradFunc: (dy: tf.Tensor, [input, savedOutput, savedWorkspace]: tf.Tensor[]) =>
        runNativeOp("_MklNativeMaxPoolGrad", poolingAttrs(size, padding), [input, savedOutput, dy, savedWorkspace])[0],
    };
  });

const maxPoolKernel = probedKernel({
  name: "max pooling",
  nativeKernel: "oneDNN _MklNativeMaxPool",
  fallbackKernel: "TensorFlow generic MaxPool (tfjs maxPool)",
  probe: () => void oneDnnMaxPool(2, "same")(tf.zeros([1, 2, 2, 1])),
});

const poolBySizeAndPadding = new Map<string, (x: tf.Tensor) => tf.Tensor>();

/**
 * Max pooling over size×size windows, stride `size` (tf.nn.max_pool); SAME padding
 * unless told. Records its output for architecture figures (layer-outputs.ts).
 */
export function nativeMaxPool(x: tf.Tensor4D, size: number, padding: PoolingPadding = "same"): tf.Tensor4D {
  return recordLayerOutput("max pooling", x, [size, size], maxPooled(x, size, padding));
}

/** oneDNN's pooling, or tfjs's where this TensorFlow build lacks it. */
function maxPooled(x: tf.Tensor4D, size: number, padding: PoolingPadding): tf.Tensor4D {
  if (!maxPoolKernel.native) {
    return tf.maxPool(x, size, size, padding);
  }
  const key = `${size}/${padding}`;
  let pool = poolBySizeAndPadding.get(key);
  if (pool === undefined) {
    pool = oneDnnMaxPool(size, padding);
    poolBySizeAndPadding.set(key, pool);
  }
  return pool(x) as tf.Tensor4D;
}
