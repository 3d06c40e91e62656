export { weightVariable, biasVariable, conv2d, conv2dPlusBias, maxPool, maxPool2x2, relu, convLayer, fullLayer, dropout } from "./layers";
export { ModelVariable, VariableStore, type VariableKind } from "./variables";
export { SeedStream, statelessUniform, statelessTruncatedNormal, type SeedPair } from "./random";
export { countMultiplyAdds } from "./multiply-adds";
export { nativeKernelReport, type KernelReportEntry } from "../native/kernels";
export { batchNormTraining, batchNormInference, type BatchNormSettings, type RunningStatistics } from "./batch-norm";
export { gelu } from "./gelu";
