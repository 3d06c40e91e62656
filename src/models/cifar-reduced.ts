import { tf } from "../native/backend";
import { convLayer, dropout, fullLayer, maxPool, maxPool2x2, relu } from "../layers/layers";
import type { ModelDefinition } from "./model";

/**
 * A reduced version of a well-known CIFAR-10 network: three blocks of three
 * 3×3 conv layers (30, 50, 80 maps), each block pooled and dropped out, then
 * a 500-unit layer. 272,700 parameters.
 */
export const cifarReduced: ModelDefinition = {
  key: "cifar-reduced",
  title: "CIFAR-10: reduced well-known model, 3 blocks of 3×3 convs",
  koreanTitle: "CIFAR-10: 유명 모델 축소판, 3×3 합성곱 3블록",
  koreanName: "축소판 모델",
  inputShape: [32, 32, 3],
  numClasses: 10,
  defaults: { learningRate: 1e-3, steps: 10000, batchSize: 50, keepProb: 0.5, logEvery: 1000 },
  forward(x, keepProb) {
    const block1Conv1 = convLayer(x, [3, 3, 3, 30]);
    const block1Conv2 = convLayer(block1Conv1, [3, 3, 30, 30]);
    const block1Conv3 = convLayer(block1Conv2, [3, 3, 30, 30]);
    const block1Pool = maxPool2x2(block1Conv3);
    const block1Drop = dropout(block1Pool, keepProb);

    const block2Conv1 = convLayer(block1Drop, [3, 3, 30, 50]);
    const block2Conv2 = convLayer(block2Conv1, [3, 3, 50, 50]);
    const block2Conv3 = convLayer(block2Conv2, [3, 3, 50, 50]);
    const block2Pool = maxPool2x2(block2Conv3);
    const block2Drop = dropout(block2Pool, keepProb);

    const block3Conv1 = convLayer(block2Drop, [3, 3, 50, 80]);
    const block3Conv2 = convLayer(block3Conv1, [3, 3, 80, 80]);
    const block3Conv3 = convLayer(block3Conv2, [3, 3, 80, 80]);
    const block3Pool = maxPool(block3Conv3, 8);
    const block3Drop = dropout(block3Pool, keepProb);

    const flat = tf.reshape(block3Drop, [-1, 80]) as tf.Tensor2D;
    const full1 = relu(fullLayer(flat, 500));
    const full1Drop = dropout(full1, keepProb);

    return fullLayer(full1Drop, 10);
  },
};
