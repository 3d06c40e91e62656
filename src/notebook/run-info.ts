import * as os from "os";
import { backendInfo } from "../backend";

/**
 * One paragraph recording where and when a notebook ran: date, backend, TensorFlow
 * version and machine.
 */
export function runInfo(now = new Date()): string {
  const info = backendInfo();
  const cpus = os.cpus();
  return [
    `run ${now.toISOString().replace("T", " ").slice(0, 16)} UTC`,
    `backend ${info.backend} (TensorFlow ${info.tensorflowVersion}, tfjs ${info.tfjsVersion}, Node ${info.nodeVersion}, oneDNN ${info.oneDnn})`,
    `machine ${cpus[0]?.model ?? "unknown CPU"} × ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.arch()}`,
  ].join("\n");
}
