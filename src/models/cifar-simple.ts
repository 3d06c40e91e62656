import { tf } from "../native/backend";
import { convLayer, dropout, fullLayer, maxPool2x2, relu } from "../layers/layers";
import type { ModelDefinition } from "./model";

/** The MNIST network applied to CIFAR-10 unchanged except for its 32×32×3 input. 4,259,274 parameters. */
export const cifarSimple: ModelDefinition = {
  key: "cifar-simple",
  title: "CIFAR-10: the MNIST network on 32×32×3 images",
  koreanTitle: "CIFAR-10: 32×32×3 이미지에 쓴 MNIST 신경망",
  koreanName: "합성곱 2층 모델",
  inputShape: [32, 32, 3],
  numClasses: 10,
  defaults: { learningRate: 1e-3, steps: 10000, batchSize: 50, keepProb: 0.5, logEvery: 1000 },
  forward(x, keepProb) {
    const conv1 = convLayer(x, [5, 5, 3, 32]);
    const conv1Pool = maxPool2x2(conv1);

    const conv2 = convLayer(conv1Pool, [5, 5, 32, 64]);
    const conv2Pool = maxPool2x2(conv2);

    const conv2Flat = tf.reshape(conv2Pool, [-1, 8 * 8 * 64]) as tf.Tensor2D;
    const full1 = relu(fullLayer(conv2Flat, 1024));

    const full1Drop = dropout(full1, keepProb);

    return fullLayer(full1Drop, 10);
  },
};
