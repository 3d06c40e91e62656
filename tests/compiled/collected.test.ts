import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runProcess } from "../wait";

const root = path.join(__dirname, "../..");
const source = (module: string) => JSON.stringify(path.join(root, module));

// A fresh process run with --expose-gc: it makes each native object, drops it
// without dispose, and waits (bounded) for garbage collection to free it.
const dropAndCollect = `
const { tf } = require(${source("src/native/backend")});
const { GraphBuilder, graphAttr, hasCompiledFunction, liveNativeGraphs } = require(${source("src/compiled/graph")});
const { ANONYMOUS_RESOURCE_NAME, attr, createNativeHandle, liveNativeHandles } = require(${source("src/native/ops")});
const { waitUntil } = require(${source("tests/wait")});

const bindingTensors = () => tf.backend().binding.getNumOfTensors();
function dropVariableHandles(count) {
  for (let i = 0; i < count; i++) {
    const shape = attr.shape("shape", [1000]);
    createNativeHandle("VarHandleOp", [attr.dtype("dtype", "float32"), shape, attr.string("container", ""), attr.string("shared_name", ANONYMOUS_RESOURCE_NAME)], []);
  }
}
function dropCompiledFunction() {
  const graph = new GraphBuilder();
  const x = graph.placeholder("float32", [2], "x");
  const negated = graph.toFunction("dropped", { inputs: [x], outputs: [graph.op("Neg", [x], [graphAttr.type("T", "float32")])] });
  graph.dispose();
  return negated.name;
}
function dropGraphBuilder() {
  new GraphBuilder().placeholder("float32", [2], "x");
}
async function collected(condition, what) {
  await waitUntil(() => { global.gc(); return condition(); }, 60000, what + " after garbage collection", 50);
}

(async () => {
  const [handles, tensors, graphs] = [liveNativeHandles(), bindingTensors(), liveNativeGraphs()];
  dropVariableHandles(3);
  if (liveNativeHandles() !== handles + 3 || bindingTensors() !== tensors + 3) throw new Error("the handles were not made");
  const name = dropCompiledFunction();
  dropGraphBuilder();
  if (!hasCompiledFunction(name) || liveNativeGraphs() !== graphs + 1) throw new Error("the function or the graph was not made");
  await collected(() => liveNativeHandles() === handles && bindingTensors() === tensors, "the handles' tensors deleted");
  await collected(() => !hasCompiledFunction(name), "the function removed from the eager context");
  await collected(() => liveNativeGraphs() === graphs, "the builder's graph freed");
  console.log("collected");
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

test("native handles, compiled functions and graph builders dropped without dispose are freed when collected", async () => {
  const run = await runProcess(process.execPath, ["--expose-gc", "-r", "ts-node/register/transpile-only", "-e", dropAndCollect], {
    cwd: root,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" },
    timeoutMs: 180_000,
  });
  assert.ok(run.status === 0 && run.stdout.includes("collected"), `exit ${run.status ?? run.signal}:\n${run.stderr.slice(-2000)}`);
});

test.run();
