/**
 * Counts the multiply-adds of the convolutions and matrix products a forward
 * pass runs (the work that dominates a CNN), for GFLOP/s figures.
 */

let activeCount: { multiplyAdds: number } | null = null;

/** Called by the layers that do the heavy arithmetic. */
export function recordMultiplyAdds(count: number): void {
  if (activeCount !== null) {
    activeCount.multiplyAdds += count;
  }
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
