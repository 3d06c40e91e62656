import { tf } from "../native/backend";
import { convLayer, dropout, fullLayer, maxPool2x2, relu } from "../layers/layers";
import type { ModelDefinition } from "./model";

/** The chapter's MNIST network: two 5×5 conv layers with pooling, a 1024-unit layer, dropout. 3,274,634 parameters. */
export const mnist: ModelDefinition = {
  key: "mnist",
  title: "MNIST: 2 conv layers + 1024 full",
  koreanTitle: "MNIST: 합성곱 2층 + 완전연결 1024",
  koreanName: "MNIST 모델",
  inputShape: [28, 28, 1],
  numClasses: 10,
  defaults: { learningRate: 1e-4, steps: 5000, batchSize: 50, keepProb: 0.5, logEvery: 500 },
  forward(x, keepProb) {
    const conv1 = convLayer(x, [5, 5, 1, 32]);
    const conv1Pool = maxPool2x2(conv1);

    const conv2 = convLayer(conv1Pool, [5, 5, 32, 64]);
    const conv2Pool = maxPool2x2(conv2);

    const conv2Flat = tf.reshape(conv2Pool, [-1, 7 * 7 * 64]) as tf.Tensor2D;
    const full1 = relu(fullLayer(conv2Flat, 1024));

    const full1Drop = dropout(full1, keepProb);

    return fullLayer(full1Drop, 10);
  },
};
