/**
 * Native kernels the layers use when this TensorFlow build has them (oneDNN's
 * `_MklNative...` ops, which are internal to TensorFlow), each with a tfjs
 * fallback. Each is probed once, on a tiny input, the first time it is needed;
 * a fallback prints one line saying why, and `nativeKernelReport()` tells
 * which kernel each family runs. Only a kernel this build does not register
 * means fallback: any other probe error is thrown, as a fallback would hide it.
 */
import { tf } from "./backend";
import { isNotRegisteredError, withCause } from "./ops";

/** Which kernel one family of ops runs, and why it fell back if it did. */
export interface KernelReportEntry {
  /** The family, e.g. "conv2d + bias". */
  name: string;
  /** The kernel in use, e.g. "oneDNN _MklNativeConv2DWithBias" or "tfjs conv2d + add". */
  kernel: string;
  /** The error the native kernel's probe raised, when the fallback is in use. */
  fallbackReason?: string;
}

export interface ProbedKernelSpec {
  name: string;
  nativeKernel: string;
  fallbackKernel: string;
  /**
   * Runs the native kernel once on a tiny input (inside tf.tidy). TensorFlow's
   * "not registered" error (isNotRegisteredError) means this build lacks it;
   * any other error is thrown to the kernel's user.
   */
  probe(): void;
}

let forcedFallbackReason: string | null = null;

/** A native kernel with a fallback, probed once. */
export class ProbedKernel {
  /** undefined until probed; null when the native kernel runs. */
  private probeError: string | null | undefined;

  constructor(private readonly spec: ProbedKernelSpec) {}

  /**
   * True when the native kernel runs here. The first call probes it; a kernel
   * this build lacks prints why, once. Throws what any other probe failure threw.
   */
  get native(): boolean {
    return forcedFallbackReason === null && this.probe() === null;
  }

  report(): KernelReportEntry {
    const { name, nativeKernel, fallbackKernel } = this.spec;
    const fallbackReason = forcedFallbackReason ?? this.probe();
    return fallbackReason === null ? { name, kernel: nativeKernel } : { name, kernel: fallbackKernel, fallbackReason };
  }

  private probe(): string | null {
    if (this.probeError === undefined) {
      try {
        tf.tidy(() => this.spec.probe());
        this.probeError = null;
      } catch (error) {
        const { name, nativeKernel, fallbackKernel } = this.spec;
        // TensorFlow's status messages span lines; the report and the warning keep to one.
        const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").trim();
        if (!isNotRegisteredError(error)) {
          // Not probed: the next use probes again and throws again.
          throw withCause(
            new Error(
              `${name}: probing ${nativeKernel} failed with an error other than a missing kernel, so ` +
                `${fallbackKernel} was not used in its place: ${message}. Fix that error; a fallback would only hide it.`,
            ),
            error,
          );
        }
        this.probeError = message;
        console.warn(`${name}: ${nativeKernel} does not run on this TensorFlow build (${this.probeError}); using ${fallbackKernel}.`);
      }
    }
    return this.probeError;
  }
}

const reported: ProbedKernel[] = [];

/** A probed kernel that nativeKernelReport() lists. */
export function probedKernel(spec: ProbedKernelSpec): ProbedKernel {
  const kernel = new ProbedKernel(spec);
  reported.push(kernel);
  return kernel;
}

/**
 * Which kernel each native-op family runs, probing those not probed yet,
 * sorted by family name (module load order varies). Lists the families of the
 * modules loaded so far: src/layers/convolution.ts defines conv2d + bias and
 * src/layers/pooling.ts max pooling. The chapter's models load both (through
 * src/layers/layers.ts), airbench's only pooling; importing src/layers loads both.
 */
export function nativeKernelReport(): KernelReportEntry[] {
  return reported.map((kernel) => kernel.report()).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Runs `body` (synchronously) with every probed kernel on its fallback, as if
 * each probe had failed with `reason`: how tests check that the fallbacks give
 * the native kernels' results, and how the compiled step traces a model on
 * TensorFlow's standard ops (src/training/step.ts).
 */
export function withKernelFallbacks<T>(reason: string, body: () => T): T {
  const previous = forcedFallbackReason;
  forcedFallbackReason = reason;
  try {
    return body();
  } finally {
    forcedFallbackReason = previous;
  }
}
