/**
 * The serialized ConfigProto a compiled function's calls pass as their
 * `config_proto` attribute, written with the few parts of protobuf's wire
 * format it needs: a field is a varint key (field number << 3 | wire type)
 * followed by its value; a nested message is a length-delimited value.
 */

/** Field numbers in TensorFlow's tensorflow/core/protobuf/config.proto and rewriter_config.proto. */
const CONFIG_PROTO_FIELDS = {
  /** ConfigProto.graph_options: GraphOptions. */
  graphOptions: 10,
  /** GraphOptions.rewrite_options: RewriterConfig. */
  rewriteOptions: 10,
  /** RewriterConfig.auto_mixed_precision_onednn_bfloat16: RewriterConfig.Toggle. */
  autoMixedPrecisionOnednnBfloat16: 31,
} as const;

/** RewriterConfig.Toggle.ON. */
const REWRITER_TOGGLE_ON = 1;

/** Protobuf's wire types: a varint (ints, bools, enums) or length-delimited bytes (strings, messages). */
const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;

/** A non-negative integer as a varint: 7 bits a byte, low bits first, the high bit set on all but the last. */
function varint(value: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`varint: ${value} is not a non-negative safe integer`);
  }
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

/** An enum (or other varint) field. */
function varintField(fieldNumber: number, value: number): number[] {
  return [...varint((fieldNumber << 3) | WIRE_VARINT), ...varint(value)];
}

/** A nested message field. */
function messageField(fieldNumber: number, message: readonly number[]): number[] {
  return [...varint((fieldNumber << 3) | WIRE_LENGTH_DELIMITED), ...varint(message.length), ...message];
}

/** ConfigProto { graph_options { rewrite_options { auto_mixed_precision_onednn_bfloat16: ON } } }. */
export function onednnBfloat16ConfigProto(): Uint8Array {
  const rewriterConfig = varintField(CONFIG_PROTO_FIELDS.autoMixedPrecisionOnednnBfloat16, REWRITER_TOGGLE_ON);
  const graphOptions = messageField(CONFIG_PROTO_FIELDS.rewriteOptions, rewriterConfig);
  return new Uint8Array(messageField(CONFIG_PROTO_FIELDS.graphOptions, graphOptions));
}
