"""Drives a real tslab kernel through Jupyter's interrupt, for interrupt.test.ts.

usage: interrupt_kernel.py WORK_DIR  ->  prints one JSON object: for each cell, the reply status,
what the cell printed and how long the reply took (for "train": after the interrupt), and the
kernel's CPU use (CPU seconds per second) while training and in short windows after the interrupt.

1. build a model and an endless batch source, time a few training steps;  2. train for a million
steps, measure the CPU use for a second, send Jupyter's interrupt;  3. measure the CPU use again;
4. count tensors and train 3 steps again.
"""
import json
import os
import sys
import time
from queue import Empty

from jupyter_client.manager import start_new_kernel

SETUP = """
import { tf, createModel, train } from "cnn-chapter4";
const model = createModel("mnist", { seed: 1 });
const batches = {
  nextBatch: () => tf.tidy(() => ({
    xs: tf.randomUniform([50, 28, 28, 1]) as tf.Tensor4D,
    ys: tf.oneHot(tf.randomUniform([50], 0, 10, "int32") as tf.Tensor1D, 10).toFloat() as tf.Tensor2D,
  })),
};
// The chapter's optimizer for MNIST, given explicitly (train() takes it from a recipe, not from the model).
const quiet = { optimizer: { kind: "adam", learningRate: 1e-4 } as const, log: () => {}, progress: { start() {}, tick() {}, finish() {} } };
await train(model, batches, { steps: 2, ...quiet });
const timingStarted = performance.now();
await train(model, batches, { steps: 10, ...quiet });
console.log(`ms per step: ${(performance.now() - timingStarted) / 10}`);
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
WINDOWS_AFTER_INTERRUPT = 3  # a training loop still running is busy in every one of them


def reply(client, msg_id, since):
    """[status, printed text, seconds from `since` to the reply] of the cell `msg_id`."""
    printed = []
    while True:
        if time.monotonic() - since > REPLY_DEADLINE:
            return ["no reply", "".join(printed), time.monotonic() - since]
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
            return ["idle", "".join(printed), time.monotonic() - since]


def run(client, code):
    started = time.monotonic()
    return reply(client, client.execute(code), started)


def cpu_seconds(pid):
    """User + system CPU time the process has used so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_rate(pid, seconds):
    """CPU seconds per wall-clock second the process uses over the next `seconds`."""
    cpu, wall = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - cpu) / (time.monotonic() - wall)


def main(work_dir):
    manager, client = start_new_kernel(kernel_name="tslab", cwd=work_dir)
    try:
        pid = manager.provisioner.process.pid
        result = {"setup": run(client, SETUP)}
        training = client.execute(TRAIN_FOREVER)
        time.sleep(2)  # training under way
        result["cpu_rate_while_training"] = cpu_rate(pid, 1)
        manager.interrupt_kernel()
        result["train"] = reply(client, training, time.monotonic())
        result["kernel_alive"] = manager.is_alive()
        time.sleep(0.5)
        result["cpu_rates_after_interrupt"] = [cpu_rate(pid, 0.5) for _ in range(WINDOWS_AFTER_INTERRUPT)]
        # tslab aborts requests that arrive within 200 ms of a failed cell, as a reader's
        # "run all" would want; a reader runs the next cell later than that.
        time.sleep(1)
        result["after"] = run(client, AFTER)
        print(json.dumps(result))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    main(sys.argv[1])
