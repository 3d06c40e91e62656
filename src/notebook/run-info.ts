import * as os from "os";
import { backendInfo } from "../backend";

/**
 * One paragraph recording where and when a notebook ran: date, backend, TensorFlow
 * version, machine, and the load average (how busy the machine was with other work).
 */
export function runInfo(now = new Date()): string {
  const info = backendInfo();
  const cpus = os.cpus();
  const [load1] = os.loadavg();
  return [
    `run ${now.toISOString().replace("T", " ").slice(0, 16)} UTC`,
    `backend ${info.backend} (TensorFlow ${info.tensorflowVersion}, tfjs ${info.tfjsVersion}, Node ${info.nodeVersion}, oneDNN ${info.oneDnn})`,
    `machine ${cpus[0]?.model ?? "unknown CPU"} × ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.arch()}`,
    `load average ${load1.toFixed(2)} over the last minute when this cell ran (about 0 means nothing else was running)`,
  ].join("\n");
}
