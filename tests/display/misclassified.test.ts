import { test } from "uvu";
import * as assert from "uvu/assert";
import { tf } from "../../src/native/backend";
import { misclassifiedCaption, misclassifiedIndices, showMisclassified, type LabelledImages } from "../../src/display/images/misclassified";
import { capturedConsole, recordOutputs, stopRecording } from "../output/recorder";

test.after.each(stopRecording);

const classNames = ["cat", "dog", "ship"];
const labels = [0, 1, 2, 0, 1, 2, 0, 1];
const predictions = [0, 2, 2, 1, 1, 0, 0, 0];
// Wrong: 1 (dog→ship), 3 (cat→dog), 5 (ship→cat), 7 (dog→cat).

/** Eight 4×4 gray images, image i filled with i/10, recording which indices are gathered. */
function images(): LabelledImages & { gathered: number[][] } {
  const gathered: number[][] = [];
  return {
    count: labels.length,
    labels,
    classNames,
    gathered,
    gather(indices: number[]) {
      gathered.push([...indices]);
      return { xs: tf.tidy(() => tf.tensor1d(indices.map((i) => i / 10)).reshape([-1, 1, 1, 1]).tile([1, 4, 4, 1]) as tf.Tensor4D) };
    },
  };
}

test("misclassifiedIndices picks exactly the images whose prediction is wrong, in order, up to the limit", () => {
  assert.equal(misclassifiedIndices(labels, predictions), [1, 3, 5, 7]);
  assert.equal(misclassifiedIndices(labels, predictions, 2), [1, 3]);
  assert.equal(misclassifiedIndices(labels, labels), []);
  assert.throws(() => misclassifiedIndices(labels, predictions.slice(1)), /7 predictions for 8 images/);
});

test("captions name the true class, then the predicted one", () => {
  assert.is(misclassifiedCaption(0, 2, classNames), "cat→ship");
  assert.is(misclassifiedCaption(3, 7), "3→7");
});

test("showMisclassified shows the wrong images only, captioned true→predicted, and frees its tensors", async () => {
  const messages = recordOutputs();
  const set = images();
  const before = tf.memory().numTensors;
  let returned: unknown = "not called";
  const printed = await capturedConsole(async () => {
    returned = await showMisclassified(set, predictions, { limit: 3 });
  });
  assert.is(returned, undefined);
  assert.is(tf.memory().numTensors, before);
  assert.equal(printed, ["4 of 8 images misclassified; the first 3, captioned true→predicted:"]);
  assert.equal(set.gathered, [[1, 3, 5]]);
  assert.is(messages.length, 1);
  assert.is(
    (messages[0].content.metadata["image/png"] as { alt: string }).alt,
    "The first 3 of the 4 misclassified images, each captioned true class→predicted class, in 1 row of 3; captions: dog→ship, cat→dog, ship→cat",
  );
  // The grid's tiles are the gathered images: tile 2 is image 5, gray 0.5 (128 of 255). 4 px × 4, padding 2, 3 tiles in a row.
  const png = tf.node.decodePng(Buffer.from(String(messages[0].content.data["image/png"]), "base64"));
  const pixel = png.slice([2 + 8, 2 + 2 * 18 + 8, 0], [1, 1, 1]);
  assert.is(pixel.dataSync()[0], 128);
  tf.dispose([png, pixel]);
});

test("with no wrong prediction, showMisclassified says so and shows no grid", async () => {
  const messages = recordOutputs();
  const printed = await capturedConsole(() => showMisclassified(images(), labels));
  assert.equal(printed, ["none of the 8 images is misclassified"]);
  assert.is(messages.length, 0);
});

test.run();
