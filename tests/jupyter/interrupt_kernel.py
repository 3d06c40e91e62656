"""Drives a real tslab kernel through Jupyter's interrupt, for interrupt.test.ts.

usage: interrupt_kernel.py WORK_DIR  ->  prints one JSON object: for each step, the reply
status, what the cell printed, and how long the reply took (after the interrupt, for "train")

1. build a model and an endless batch source;  2. train for a million steps and send
Jupyter's interrupt after a few seconds;  3. measure the kernel's CPU use for a second; 4. count tensors and train 3 steps again.
"""
import json
import os
import sys
import time
from queue import Empty

from jupyter_client.manager import start_new_kernel

SETUP = """
import { tf, createModel, train, silentProgress } from "cnn-chapter4";
const model = createModel("mnist", { seed: 1 });
const batches = {
  nextBatch: () => tf.tidy(() => ({
    xs: tf.randomUniform([50, 28, 28, 1]) as tf.Tensor4D,
    ys: tf.oneHot(tf.randomUniform([50], 0, 10, "int32") as tf.Tensor1D, 10).toFloat() as tf.Tensor2D,
  })),
};
const quiet = { log: () => {}, progress: silentProgress };
await train(model, batches, { steps: 2, ...quiet });
console.log(`tensors before: ${tf.memory().numTensors}`);
"""
TRAIN_FOREVER = "await train(model, batches, { steps: 1_000_000, ...quiet });"
AFTER = """
await new Promise((resolve) => setTimeout(resolve, 500));
console.log(`tensors after: ${tf.memory().numTensors}`);
const again = await train(model, batches, { steps: 3, ...quiet });
console.log(`retrained: ${again.steps} steps`);
"""
REPLY_DEADLINE = 60  # seconds without a reply: reported as "no reply"


def run(manager, client, code, interrupt_after=None):
    msg_id = client.execute(code)
    started = time.monotonic()
    interrupted_at = None
    printed = []
    while True:
        now = time.monotonic()
        if interrupt_after is not None and interrupted_at is None and now - started > interrupt_after:
            manager.interrupt_kernel()
            interrupted_at = time.monotonic()
        if now - started > REPLY_DEADLINE:
            return ["no reply", "".join(printed), now - started]
        try:
            msg = client.get_iopub_msg(timeout=0.2)
        except Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            printed.append(f"{msg['content']['ename']}: {msg['content']['evalue']}\n")
        elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            seconds = time.monotonic() - (interrupted_at or started)
            return ["idle", "".join(printed), seconds]


def cpu_seconds(pid):
    """User + system CPU time the process has used so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(work_dir):
    manager, client = start_new_kernel(kernel_name="tslab", cwd=work_dir)
    try:
        result = {"setup": run(manager, client, SETUP)}
        result["train"] = run(manager, client, TRAIN_FOREVER, interrupt_after=5)
        result["kernel_alive"] = manager.is_alive()
        # A training loop still running after the interrupt would keep the kernel busy.
        pid = manager.provisioner.process.pid
        time.sleep(0.5)
        before = cpu_seconds(pid)
        time.sleep(1)
        result["cpu_seconds_in_the_second_after"] = cpu_seconds(pid) - before
        # tslab aborts requests that arrive within 200 ms of a failed cell, as a reader's
        # "run all" would want; a reader runs the next cell later than that.
        time.sleep(1)
        result["after"] = run(manager, client, AFTER)
        print(json.dumps(result))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    main(sys.argv[1])
