/**
 * What each layer of a forward pass gives, so that a model's architecture can be
 * drawn from the model itself rather than from a second description of it. The
 * ops that make the chapter's layers record themselves: `conv2dPlusBias`
 * (convLayer's convolution) and `matMulPlusBias` (fullLayer's product) in
 * layers.ts, and `nativeMaxPool` (maxPool's pooling) in pooling.ts. The helpers
 * as the notebooks list them carry no recording code.
 */

export type LayerKind = "convolution" | "max pooling" | "fully connected";

/** One layer as it ran: shapes include the batch dimension. */
export interface LayerOutput {
  kind: LayerKind;
  inputShape: number[];
  outputShape: number[];
  /**
   * What the layer slides or multiplies: the filters [height, width, in, out] of a
   * convolution, the window [height, width] of a pooling, the weights [in, out]
   * of a fully connected layer.
   */
  weightsShape: number[];
}

let recorded: LayerOutput[] | null = null;

/** Called by the ops that make the layers; returns `output`, for `return recordLayerOutput(…)`. */
export function recordLayerOutput<T extends { readonly shape: readonly number[] }>(
  kind: LayerKind,
  input: { readonly shape: readonly number[] },
  weightsShape: readonly number[],
  output: T,
): T {
  recorded?.push({ kind, inputShape: [...input.shape], outputShape: [...output.shape], weightsShape: [...weightsShape] });
  return output;
}

/** Runs `forward` and returns the layers it ran, in order. */
export function layerOutputs(forward: () => void): LayerOutput[] {
  if (recorded !== null) {
    throw new Error("layerOutputs() cannot be nested.");
  }
  recorded = [];
  try {
    forward();
    return recorded;
  } finally {
    recorded = null;
  }
}
