/**
 * The PyTorch reference of the benchmarks (bench/torch/train_step.py): its models have our
 * parameter counts. It needs .venv-torch (bench/torch/setup.sh, 5.4 GB), which the tests
 * never install: without it that test is skipped. Which precisions are timed needs no PyTorch.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AirbenchModel } from "../../src/recipes/airbench/model";
import { createModel, modelKeys } from "../../src/models/registry";
import { AIRBENCH_RECIPE } from "../../src/recipes/airbench/recipe";
import { torchPrecisions, torchPython } from "../../scripts/bench/torch-reference";

const root = path.resolve(__dirname, "../..");
// Written by bench/torch/setup.sh once PyTorch imports.
const torchReady = fs.existsSync(path.join(root, ".venv-torch/.cnn-torch-setup")) && fs.existsSync(torchPython);

test("PyTorch is timed in bfloat16 only on a CPU that computes it natively, and says so otherwise", () => {
  assert.equal(torchPrecisions(new Set(["avx2", "avx512_bf16"])), { precisions: ["float32", "bfloat16"], skipped: null });
  assert.equal(torchPrecisions(new Set(["amx_bf16"])).precisions, ["float32", "bfloat16"]);
  const without = torchPrecisions(new Set(["avx2", "avx512f"]));
  assert.equal(without.precisions, ["float32"]);
  assert.match(without.skipped ?? "", /not timed: this CPU has neither avx512_bf16 nor amx_bf16/);
});

const paramsTitle = "bench/torch/train_step.py: the four chapter models and airbench (4.4's widths) have our parameter counts";
if (torchReady) {
  test(paramsTitle, () => {
    const output = execFileSync(torchPython, [path.join(root, "bench/torch/train_step.py"), "--params", "--model", "all"], { encoding: "utf8", timeout: 120_000 });
    const counts = JSON.parse(output) as Record<string, number>;
    const ours: Record<string, number> = {};
    for (const key of modelKeys) {
      const model = createModel(key, { seed: 1 });
      ours[key] = model.parameterCount;
      model.dispose();
    }
    const airbench = new AirbenchModel({ seed: 1, widths: AIRBENCH_RECIPE.widths });
    ours.airbench = airbench.parameterCount;
    airbench.dispose();
    assert.equal(counts, ours);
  });
} else {
  console.log(`  skipped (no .venv-torch: bash bench/torch/setup.sh installs PyTorch, 5.4 GB): ${paramsTitle}`);
  test.skip(paramsTitle, () => {});
}

test.run();
