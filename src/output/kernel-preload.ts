/**
 * Entry point the tslab kernel loads before its own code (`node --require` in the kernel spec
 * that scripts/setup.sh writes), so the busy-socket fix of ./kernel-sends.ts is in place before
 * the first cell runs, whether or not a cell ever imports this package. No module imports this
 * file: installing the fix is the whole of what it does.
 */
import { makeKernelSendsWait } from "./kernel-sends";

try {
  makeKernelSendsWait();
} catch (error) {
  // A kernel without the fix still runs cells; only very long bursts of outputs can fail.
  process.stderr.write(`cnn-chapter4: the kernel's zeromq sends are not made to wait for a busy socket: ${String(error)}\n`);
}
