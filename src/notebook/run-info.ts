import * as os from "os";
import { backendInfo, describeOneDnn } from "../native/backend";
import { localized } from "../language";
import { cpuClassName, formatCpu, speedFlagLists } from "../native/cpu";

/**
 * One paragraph recording where and when a notebook ran: date, backend, TensorFlow
 * version, whether oneDNN was on, and the machine with its CPU class (the figures
 * a run prints hold for that class of CPU).
 */
export function runInfo(now = new Date()): string {
  const info = backendInfo();
  const { model, cores, cpuClass } = info.cpu;
  const { has, lacks } = speedFlagLists(info.cpu);
  const when = `${now.toISOString().replace("T", " ").slice(0, 16)} UTC`;
  const software = `${info.backend} (TensorFlow ${info.tensorflowVersion}, tfjs ${info.tfjsVersion}, Node ${info.nodeVersion}, oneDNN ${describeOneDnn(info.oneDnn)})`;
  const memory = `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.arch()}`;
  return [
    localized({ en: `run ${when}`, ko: `실행 ${when}` }),
    localized({ en: `backend ${software}`, ko: `백엔드 ${software}` }),
    localized({
      en: `machine ${formatCpu(info.cpu)}, ${memory}`,
      ko: `컴퓨터 ${model} × ${cores}코어, ${cpuClassName(cpuClass)} 계열 (있음: ${has}; 없음: ${lacks}), ${memory}`,
    }),
  ].join("\n");
}
