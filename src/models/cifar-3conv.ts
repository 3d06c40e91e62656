import { tf } from "../native/backend";
import { convLayer, dropout, fullLayer, maxPool2x2, relu } from "../layers/layers";
import type { ModelDefinition } from "./model";

/** CIFAR-10 with three 5×5 conv layers (32, 64, 128 maps), dropout, a 512-unit layer. 1,312,842 parameters. */
export const cifar3Conv: ModelDefinition = {
  key: "cifar-3conv",
  title: "CIFAR-10: 3 conv layers + 512 full",
  koreanTitle: "CIFAR-10: 합성곱 3층 + 완전연결 512",
  koreanName: "합성곱 3층 모델",
  inputShape: [32, 32, 3],
  numClasses: 10,
  defaults: { learningRate: 1e-3, steps: 10000, batchSize: 50, keepProb: 0.5, logEvery: 1000 },
  forward(x, keepProb) {
    const conv1 = convLayer(x, [5, 5, 3, 32]);
    const conv1Pool = maxPool2x2(conv1);

    const conv2 = convLayer(conv1Pool, [5, 5, 32, 64]);
    const conv2Pool = maxPool2x2(conv2);

    const conv3 = convLayer(conv2Pool, [5, 5, 64, 128]);
    const conv3Pool = maxPool2x2(conv3);

    const conv3Flat = tf.reshape(conv3Pool, [-1, 4 * 4 * 128]) as tf.Tensor2D;
    const conv3Drop = dropout(conv3Flat, keepProb);

    const full1 = relu(fullLayer(conv3Drop, 512));
    const full1Drop = dropout(full1, keepProb);

    return fullLayer(full1Drop, 10);
  },
};
