import { test } from "uvu";
import * as assert from "uvu/assert";
import { onednnBfloat16ConfigProto } from "../../src/compiled/config-proto";

/** One field of a protobuf message: its number, and its value (a varint, or the bytes of a length-delimited field). */
interface WireField {
  fieldNumber: number;
  value: number | Uint8Array;
}

/** Decodes one message level of protobuf's wire format (varint and length-delimited fields, which is all a ConfigProto of toggles uses). */
function decodeMessage(bytes: Uint8Array): WireField[] {
  let position = 0;
  const readVarint = (): number => {
    let value = 0;
    for (let scale = 1; ; scale *= 0x80) {
      assert.ok(position < bytes.length, "a varint runs past the end");
      const byte = bytes[position++];
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
    }
  };
  const fields: WireField[] = [];
  while (position < bytes.length) {
    const key = readVarint();
    const [fieldNumber, wireType] = [Math.floor(key / 8), key % 8];
    if (wireType === 0) {
      fields.push({ fieldNumber, value: readVarint() });
    } else if (wireType === 2) {
      const length = readVarint();
      assert.ok(position + length <= bytes.length, `field ${fieldNumber}'s ${length} bytes run past the end`);
      fields.push({ fieldNumber, value: bytes.subarray(position, position + length) });
      position += length;
    } else {
      assert.unreachable(`field ${fieldNumber} has wire type ${wireType}, which a ConfigProto of toggles does not use`);
    }
  }
  return fields;
}

/** The one field of `bytes`, checked to be field `fieldNumber`. */
function onlyField(bytes: Uint8Array, fieldNumber: number, what: string): number | Uint8Array {
  const fields = decodeMessage(bytes);
  assert.equal(fields.map((field) => field.fieldNumber), [fieldNumber], `${what} holds exactly field ${fieldNumber}`);
  return fields[0].value;
}

test("the bfloat16 ConfigProto sets graph_options → rewrite_options → auto_mixed_precision_onednn_bfloat16 = ON and nothing else", () => {
  const configProto = onednnBfloat16ConfigProto();
  const graphOptions = onlyField(configProto, 10, "ConfigProto (graph_options = 10)");
  assert.instance(graphOptions, Uint8Array, "graph_options is a message");
  const rewriteOptions = onlyField(graphOptions as Uint8Array, 10, "GraphOptions (rewrite_options = 10)");
  assert.instance(rewriteOptions, Uint8Array, "rewrite_options is a message");
  const toggle = onlyField(rewriteOptions as Uint8Array, 31, "RewriterConfig (auto_mixed_precision_onednn_bfloat16 = 31)");
  assert.is(toggle, 1, "RewriterConfig.Toggle.ON = 1");
});

test("the bytes are what protobuf itself writes for that ConfigProto", () => {
  // TensorFlow 2.21's Python ConfigProto(graph_options=GraphOptions(rewrite_options=RewriterConfig(
  // auto_mixed_precision_onednn_bfloat16=RewriterConfig.ON))).SerializeToString(); field 31 takes a two-byte key.
  assert.equal(Array.from(onednnBfloat16ConfigProto()), [0x52, 0x05, 0x52, 0x03, 0xf8, 0x01, 0x01]);
});

test.run();
