import * as os from "os";
import { backendInfo } from "../backend";
import { localized } from "../language";

/**
 * One paragraph recording where and when a notebook ran: date, backend, TensorFlow
 * version and machine.
 */
export function runInfo(now = new Date()): string {
  const info = backendInfo();
  const cpus = os.cpus();
  const when = `${now.toISOString().replace("T", " ").slice(0, 16)} UTC`;
  const software = `${info.backend} (TensorFlow ${info.tensorflowVersion}, tfjs ${info.tfjsVersion}, Node ${info.nodeVersion}, oneDNN ${info.oneDnn})`;
  const cpu = cpus[0]?.model ?? "unknown CPU";
  const memory = `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.arch()}`;
  return [
    localized({ en: `run ${when}`, ko: `실행 ${when}` }),
    localized({ en: `backend ${software}`, ko: `백엔드 ${software}` }),
    localized({ en: `machine ${cpu} × ${cpus.length} cores, ${memory}`, ko: `컴퓨터 ${cpu} × ${cpus.length}코어, ${memory}` }),
  ].join("\n");
}
