/**
 * Counts the multiply-adds of the convolutions and matrix products a forward
 * pass runs (the work that dominates a CNN), for GFLOP/s figures. The ops the
 * models' layers run record their own work: `conv2dPlusBias` (convLayer's
 * convolution) and `matMulPlusBias` (fullLayer's product) in layers.ts, and
 * airbench's layers; the chapter's helpers as the notebooks list them
 * (conv2d, convLayer, fullLayer) carry no counting code.
 */

let activeCount: { multiplyAdds: number } | null = null;

/** Called by the layers that do the heavy arithmetic. */
export function recordMultiplyAdds(count: number): void {
  if (activeCount !== null) {
    activeCount.multiplyAdds += count;
  }
}

/** A stride-1 SAME convolution of `x` [batch, height, width, in] by filters [height, width, in, out]: one multiply-add per output value and filter weight. */
export function recordConvolution(x: readonly number[], filters: readonly number[]): void {
  const [batch, height, width] = x;
  const [filterHeight, filterWidth, inChannels, outChannels] = filters;
  recordMultiplyAdds(batch * height * width * filterHeight * filterWidth * inChannels * outChannels);
}

/** A matrix product of `a` [rows, inner] by `b` [inner, columns]. */
export function recordMatMul(a: readonly number[], b: readonly number[]): void {
  recordMultiplyAdds(a[0] * b[0] * b[1]);
}

/** Runs `forward` and returns the multiply-adds its convolutions and matMuls performed. */
export function countMultiplyAdds(forward: () => void): number {
  if (activeCount !== null) {
    throw new Error("countMultiplyAdds() cannot be nested.");
  }
  activeCount = { multiplyAdds: 0 };
  try {
    forward();
    return activeCount.multiplyAdds;
  } finally {
    activeCount = null;
  }
}
