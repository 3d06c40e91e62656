import { test } from "uvu";
import * as assert from "uvu/assert";
import { ProbedKernel, withKernelFallbacks, type ProbedKernelSpec } from "../../src/native/kernels";
import { nativeKernelReport } from "../../src/layers";

/** A kernel spec whose probe counts its calls and fails with `error` when given one. */
function countingSpec(error?: Error): { spec: ProbedKernelSpec; probes: () => number } {
  let probes = 0;
  const spec: ProbedKernelSpec = {
    name: "test op",
    nativeKernel: "native test kernel",
    fallbackKernel: "fallback test kernel",
    probe: () => {
      probes++;
      if (error !== undefined) throw error;
    },
  };
  return { spec, probes: () => probes };
}

/** Runs `body`, returning what it wrote with console.warn. */
function warningsOf(body: () => void): string[] {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
  try {
    body();
  } finally {
    console.warn = warn;
  }
  return warnings;
}

test("this TensorFlow build runs the layers' oneDNN kernels", () => {
  assert.equal(nativeKernelReport(), [
    { name: "conv2d + bias", kernel: "oneDNN _MklNativeConv2DWithBias" },
    { name: "max pooling", kernel: "oneDNN _MklNativeMaxPool" },
  ]);
});

test("a kernel whose probe succeeds is probed once, silently, and runs natively", () => {
  const { spec, probes } = countingSpec();
  const kernel = new ProbedKernel(spec);
  const warnings = warningsOf(() => {
    assert.ok(kernel.native);
    assert.ok(kernel.native);
    assert.equal(kernel.report(), { name: "test op", kernel: "native test kernel" });
  });
  assert.is(probes(), 1);
  assert.equal(warnings, []);
});

test("a kernel whose probe fails falls back, says why in one line once, and reports the reason", () => {
  const { spec, probes } = countingSpec(new Error("Invalid TF_Status: 5\nMessage: No registered '_MklNativeTest' OpKernel"));
  const kernel = new ProbedKernel(spec);
  const warnings = warningsOf(() => {
    assert.not.ok(kernel.native);
    assert.not.ok(kernel.native);
    assert.equal(kernel.report(), {
      name: "test op",
      kernel: "fallback test kernel",
      fallbackReason: "Invalid TF_Status: 5 Message: No registered '_MklNativeTest' OpKernel",
    });
  });
  assert.is(probes(), 1);
  assert.equal(warnings, [
    "test op: native test kernel does not run on this TensorFlow build " +
      "(Invalid TF_Status: 5 Message: No registered '_MklNativeTest' OpKernel); using fallback test kernel.",
  ]);
});

test("a kernel missing from a graph function's instantiation falls back too", () => {
  const { spec } = countingSpec(new Error("Invalid TF_Status: 3\nMessage: No OpKernel was registered to support Op '_MklNativeTest'"));
  const kernel = new ProbedKernel(spec);
  const warnings = warningsOf(() => assert.not.ok(kernel.native));
  assert.is(warnings.length, 1);
});

test("a probe failing for any other reason throws (with its error as cause) instead of falling back", () => {
  const shapeError = new Error("Invalid TF_Status: 3\nMessage: input must be 4-dimensional[1,2]");
  const { spec, probes } = countingSpec(shapeError);
  const kernel = new ProbedKernel(spec);
  const warnings = warningsOf(() => {
    for (const use of [() => kernel.native, () => kernel.report()]) {
      try {
        use();
        assert.unreachable("the probe's error should surface");
      } catch (error) {
        assert.instance(error, Error);
        assert.match(
          (error as Error).message,
          "test op: probing native test kernel failed with an error other than a missing kernel, so fallback test kernel " +
            "was not used in its place: Invalid TF_Status: 3 Message: input must be 4-dimensional[1,2]. Fix that error",
        );
        assert.is((error as Error & { cause?: unknown }).cause, shapeError);
      }
    }
  });
  assert.equal(warnings, [], "no fallback was announced");
  assert.is(probes(), 2, "not remembered: each use probes again and throws again");

  const notTensorFlow = new Error("No registered '_MklNativeTest' OpKernel (but not from TensorFlow)");
  const plain = new ProbedKernel(countingSpec(notTensorFlow).spec);
  assert.throws(() => plain.native, /other than a missing kernel/, "a missing-kernel message without a TensorFlow status is not TensorFlow's");
});

test("withKernelFallbacks puts every kernel on its fallback while it runs, then restores them", () => {
  const kernel = new ProbedKernel(countingSpec().spec);
  const inside = withKernelFallbacks("forced by a test", () => ({ native: kernel.native, report: nativeKernelReport() }));
  assert.not.ok(inside.native);
  assert.equal(inside.report, [
    { name: "conv2d + bias", kernel: "tfjs conv2d + add", fallbackReason: "forced by a test" },
    { name: "max pooling", kernel: "TensorFlow generic MaxPool (tfjs maxPool)", fallbackReason: "forced by a test" },
  ]);
  assert.ok(kernel.native);
  const failing = () => {
    throw new Error("inside");
  };
  assert.throws(() => withKernelFallbacks("forced", failing), /inside/);
  assert.ok(kernel.native, "restored after an exception too");
  assert.is(nativeKernelReport()[0].kernel, "oneDNN _MklNativeConv2DWithBias");
});

test.run();
