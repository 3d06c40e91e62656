// TensorFlow graphs built op by op from JavaScript, differentiated with
// TF_AddGradients and turned into functions of tfjs-node's eager context.
// A registered function runs like any op: by its name, through the binding's
// executeOp, on tfjs tensors and resource-variable handles.
//
// Every JavaScript argument is read and checked before TensorFlow is called,
// so a bad argument throws a JavaScript Error and leaves the graph unchanged.
#include "graph_api.h"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tensorflow/c/c_api.h"

namespace tensorflow {
// TensorFlow's own decision whether its oneDNN optimizations are on in this process
// (tensorflow/core/util/util.h; exported by libtensorflow_framework): TF_ENABLE_ONEDNN_OPTS
// when set, else on only for CPUs with AVX-512 VNNI or BF16, or AMX.
bool IsMKLEnabled();
}  // namespace tensorflow

namespace cnn_graph {
namespace {

// Thrown for a bad argument or a TensorFlow error; becomes a JavaScript Error.
// `code` is TensorFlow's status code when TensorFlow reported the error (the
// JavaScript Error then has `tfStatus`, e.g. "NOT_FOUND"), TF_OK otherwise.
class GraphApiError : public std::runtime_error {
 public:
  explicit GraphApiError(const std::string &message, TF_Code code = TF_OK)
      : std::runtime_error(message), code_(code) {}
  TF_Code code() const { return code_; }

 private:
  TF_Code code_;
};

// TF_Code's names, as TensorFlow's Python and C++ APIs spell them.
const char *TfCodeName(TF_Code code) {
  switch (code) {
    case TF_OK: return "OK";
    case TF_CANCELLED: return "CANCELLED";
    case TF_UNKNOWN: return "UNKNOWN";
    case TF_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case TF_DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case TF_NOT_FOUND: return "NOT_FOUND";
    case TF_ALREADY_EXISTS: return "ALREADY_EXISTS";
    case TF_PERMISSION_DENIED: return "PERMISSION_DENIED";
    case TF_UNAUTHENTICATED: return "UNAUTHENTICATED";
    case TF_RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case TF_FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case TF_ABORTED: return "ABORTED";
    case TF_OUT_OF_RANGE: return "OUT_OF_RANGE";
    case TF_UNIMPLEMENTED: return "UNIMPLEMENTED";
    case TF_INTERNAL: return "INTERNAL";
    case TF_UNAVAILABLE: return "UNAVAILABLE";
    case TF_DATA_LOSS: return "DATA_LOSS";
  }
  return "UNKNOWN";
}

struct StatusDeleter {
  void operator()(TF_Status *status) const { TF_DeleteStatus(status); }
};
struct FunctionDeleter {
  void operator()(TF_Function *function) const { TF_DeleteFunction(function); }
};
struct TensorDeleter {
  void operator()(TF_Tensor *tensor) const { TF_DeleteTensor(tensor); }
};
using Status = std::unique_ptr<TF_Status, StatusDeleter>;
using Function = std::unique_ptr<TF_Function, FunctionDeleter>;
using Tensor = std::unique_ptr<TF_Tensor, TensorDeleter>;

Status NewStatus() { return Status(TF_NewStatus()); }

void ThrowIfFailed(const Status &status, const std::string &what) {
  if (TF_GetCode(status.get()) != TF_OK) {
    throw GraphApiError(what + ": " + TF_Message(status.get()), TF_GetCode(status.get()));
  }
}

void CheckNapi(napi_status status, const char *what) {
  if (status != napi_ok) throw GraphApiError(std::string("graphApi: ") + what + " failed");
}

// ---- JavaScript values ------------------------------------------------------

napi_valuetype TypeOf(napi_env env, napi_value value) {
  napi_valuetype type;
  CheckNapi(napi_typeof(env, value, &type), "napi_typeof");
  return type;
}

std::string ReadString(napi_env env, napi_value value, const std::string &what) {
  if (TypeOf(env, value) != napi_string) throw GraphApiError(what + " must be a string");
  size_t length;
  CheckNapi(napi_get_value_string_utf8(env, value, nullptr, 0, &length), "reading a string");
  std::string result(length, '\0');
  CheckNapi(napi_get_value_string_utf8(env, value, &result[0], length + 1, &length), "reading a string");
  return result;
}

double ReadNumber(napi_env env, napi_value value, const std::string &what) {
  if (TypeOf(env, value) != napi_number) throw GraphApiError(what + " must be a number");
  double result;
  CheckNapi(napi_get_value_double(env, value, &result), "reading a number");
  return result;
}

int64_t ReadInteger(napi_env env, napi_value value, const std::string &what) {
  const double number = ReadNumber(env, value, what);
  // Beyond 2^53 a double no longer holds every integer (and the cast below would overflow).
  if (std::trunc(number) != number || std::fabs(number) > 9007199254740992.0) {
    throw GraphApiError(what + " must be an integer, got " + std::to_string(number));
  }
  return static_cast<int64_t>(number);
}

bool ReadBool(napi_env env, napi_value value, const std::string &what) {
  if (TypeOf(env, value) != napi_boolean) throw GraphApiError(what + " must be a boolean");
  bool result;
  CheckNapi(napi_get_value_bool(env, value, &result), "reading a boolean");
  return result;
}

bool IsNullish(napi_env env, napi_value value) {
  const napi_valuetype type = TypeOf(env, value);
  return type == napi_null || type == napi_undefined;
}

std::vector<napi_value> ReadArray(napi_env env, napi_value value, const std::string &what) {
  bool is_array;
  CheckNapi(napi_is_array(env, value, &is_array), "napi_is_array");
  if (!is_array) throw GraphApiError(what + " must be an array");
  uint32_t length;
  CheckNapi(napi_get_array_length(env, value, &length), "reading an array's length");
  std::vector<napi_value> elements(length);
  for (uint32_t i = 0; i < length; ++i) {
    CheckNapi(napi_get_element(env, value, i, &elements[i]), "reading an array element");
  }
  return elements;
}

napi_value Property(napi_env env, napi_value object, const char *name, const std::string &what) {
  if (TypeOf(env, object) != napi_object) throw GraphApiError(what + " must be an object");
  napi_value value;
  CheckNapi(napi_get_named_property(env, object, name, &value), "reading a property");
  return value;
}

std::vector<int64_t> ReadIntegers(napi_env env, napi_value value, const std::string &what) {
  std::vector<int64_t> result;
  for (napi_value element : ReadArray(env, value, what)) result.push_back(ReadInteger(env, element, what + "[]"));
  return result;
}

napi_value NewString(napi_env env, const std::string &text) {
  napi_value value;
  CheckNapi(napi_create_string_utf8(env, text.c_str(), text.size(), &value), "creating a string");
  return value;
}

// ---- Data types -------------------------------------------------------------

struct DtypeName {
  TF_DataType dtype;
  const char *name;
};
const DtypeName kDtypeNames[] = {
    {TF_FLOAT, "float32"}, {TF_INT32, "int32"}, {TF_INT64, "int64"},       {TF_BOOL, "bool"},
    {TF_UINT8, "uint8"},   {TF_HALF, "float16"}, {TF_BFLOAT16, "bfloat16"}, {TF_RESOURCE, "resource"},
};

TF_DataType ParseDtype(const std::string &name, const std::string &what) {
  for (const DtypeName &entry : kDtypeNames) {
    if (name == entry.name) return entry.dtype;
  }
  throw GraphApiError(what + ": unsupported dtype '" + name + "'");
}

std::string DtypeToName(TF_DataType dtype) {
  for (const DtypeName &entry : kDtypeNames) {
    if (dtype == entry.dtype) return entry.name;
  }
  return "tf_dtype_" + std::to_string(static_cast<int>(dtype));
}

// ---- Graphs -----------------------------------------------------------------

// TF_Graphs made by newGraph and not deleted yet (liveGraphs): leak tests
// check that every graph is freed, by deleteGraph or by FinalizeGraph.
std::atomic<int64_t> live_graphs{0};

// A graph owned by a JavaScript object: deleted by deleteGraph, or when the
// object is garbage-collected if deleteGraph was never called.
struct GraphHolder {
  TF_Graph *graph = TF_NewGraph();
  // Set when a failure may have left the graph half-changed: every later call
  // on it refuses with this reason instead of building on a wrong graph.
  std::string broken;
  GraphHolder() { ++live_graphs; }
  ~GraphHolder() { DeleteGraph(); }
  void DeleteGraph() {
    if (graph == nullptr) return;
    TF_DeleteGraph(graph);
    graph = nullptr;
    --live_graphs;
  }
};

// Marks the objects newGraph returns, so another object is never taken for one.
const napi_type_tag kGraphTag = {0x6c1b0b6f2a4d4e51ULL, 0x9a3e5d7c21f04b88ULL};

void FinalizeGraph(napi_env, void *data, void *) { delete static_cast<GraphHolder *>(data); }

GraphHolder *ReadGraphHolder(napi_env env, napi_value value) {
  bool is_graph = false;
  if (TypeOf(env, value) == napi_object) {
    CheckNapi(napi_check_object_type_tag(env, value, &kGraphTag, &is_graph), "checking a type tag");
  }
  if (!is_graph) throw GraphApiError("the first argument must be a graph made by graphApi.newGraph()");
  void *data;
  CheckNapi(napi_unwrap(env, value, &data), "napi_unwrap");
  return static_cast<GraphHolder *>(data);
}

// A graph that can still be built on: not deleted, not left half-changed.
GraphHolder *ReadUsableGraphHolder(napi_env env, napi_value value) {
  GraphHolder *holder = ReadGraphHolder(env, value);
  if (holder->graph == nullptr) throw GraphApiError("the graph was deleted (graphApi.deleteGraph)");
  if (!holder->broken.empty()) {
    throw GraphApiError("the graph is unusable: " + holder->broken + ". Build the graph again in a new graph (a new GraphBuilder).");
  }
  return holder;
}

TF_Graph *ReadGraph(napi_env env, napi_value value) { return ReadUsableGraphHolder(env, value)->graph; }

TF_Operation *FindOperation(TF_Graph *graph, const std::string &name, const std::string &what) {
  TF_Operation *operation = TF_GraphOperationByName(graph, name.c_str());
  if (operation == nullptr) throw GraphApiError(what + ": the graph has no operation named '" + name + "'");
  return operation;
}

// A tensor of the graph, from JavaScript's { operation: string, index: number }.
TF_Output ReadOutput(napi_env env, TF_Graph *graph, napi_value value, const std::string &what) {
  const std::string name = ReadString(env, Property(env, value, "operation", what), what + ".operation");
  TF_Operation *operation = FindOperation(graph, name, what);
  const int64_t index = ReadInteger(env, Property(env, value, "index", what), what + ".index");
  const int count = TF_OperationNumOutputs(operation);
  if (index < 0 || index >= count) {
    throw GraphApiError(what + ": operation '" + name + "' has " + std::to_string(count) + " outputs, no output " +
                        std::to_string(index));
  }
  return TF_Output{operation, static_cast<int>(index)};
}

std::vector<TF_Output> ReadOutputs(napi_env env, TF_Graph *graph, napi_value value, const std::string &what) {
  std::vector<TF_Output> outputs;
  const std::vector<napi_value> elements = ReadArray(env, value, what);
  for (size_t i = 0; i < elements.size(); ++i) {
    outputs.push_back(ReadOutput(env, graph, elements[i], what + "[" + std::to_string(i) + "]"));
  }
  return outputs;
}

std::vector<TF_Operation *> ReadOperations(napi_env env, TF_Graph *graph, napi_value value, const std::string &what) {
  std::vector<TF_Operation *> operations;
  for (napi_value element : ReadArray(env, value, what)) {
    operations.push_back(FindOperation(graph, ReadString(env, element, what + "[]"), what));
  }
  return operations;
}

// { operation, index, dtype, shape }: shape is null when the rank is unknown,
// and -1 marks a dimension the graph cannot infer.
napi_value DescribeOutput(napi_env env, TF_Graph *graph, TF_Output output) {
  napi_value result;
  CheckNapi(napi_create_object(env, &result), "creating an object");
  napi_value index;
  CheckNapi(napi_create_int32(env, output.index, &index), "creating a number");
  CheckNapi(napi_set_named_property(env, result, "operation", NewString(env, TF_OperationName(output.oper))),
            "setting a property");
  CheckNapi(napi_set_named_property(env, result, "index", index), "setting a property");
  CheckNapi(napi_set_named_property(env, result, "dtype", NewString(env, DtypeToName(TF_OperationOutputType(output)))),
            "setting a property");

  Status status = NewStatus();
  const int rank = TF_GraphGetTensorNumDims(graph, output, status.get());
  ThrowIfFailed(status, "reading the rank of an output");
  napi_value shape;
  if (rank < 0) {
    CheckNapi(napi_get_null(env, &shape), "napi_get_null");
  } else {
    std::vector<int64_t> dims(rank);
    TF_GraphGetTensorShape(graph, output, dims.data(), rank, status.get());
    ThrowIfFailed(status, "reading the shape of an output");
    CheckNapi(napi_create_array_with_length(env, rank, &shape), "creating an array");
    for (int i = 0; i < rank; ++i) {
      napi_value dim;
      CheckNapi(napi_create_int64(env, dims[i], &dim), "creating a number");
      CheckNapi(napi_set_element(env, shape, i, dim), "setting an array element");
    }
  }
  CheckNapi(napi_set_named_property(env, result, "shape", shape), "setting a property");
  return result;
}

napi_value DescribeOutputs(napi_env env, TF_Graph *graph, const std::vector<TF_Output> &outputs) {
  napi_value result;
  CheckNapi(napi_create_array_with_length(env, outputs.size(), &result), "creating an array");
  for (size_t i = 0; i < outputs.size(); ++i) {
    CheckNapi(napi_set_element(env, result, i, DescribeOutput(env, graph, outputs[i])), "setting an array element");
  }
  return result;
}

// ---- Attributes -------------------------------------------------------------

// One attribute, read from JavaScript's { name, type, value } before any
// TensorFlow call. `type` is one of: int, ints, float, floats, bool, string,
// type, types, shape (null = unknown rank), tensor ({ dtype, shape, values }),
// func (a function's name).
struct Attribute {
  std::string name;
  std::string type;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<unsigned char> bools;
  std::string text;
  std::vector<TF_DataType> dtypes;
  bool unknown_rank = false;
  Tensor tensor;
};

Tensor ReadTensorValue(napi_env env, napi_value value, const std::string &what) {
  const TF_DataType dtype = ParseDtype(ReadString(env, Property(env, value, "dtype", what), what + ".dtype"), what);
  const std::vector<int64_t> shape = ReadIntegers(env, Property(env, value, "shape", what), what + ".shape");
  const std::vector<napi_value> values = ReadArray(env, Property(env, value, "values", what), what + ".values");
  // Checked before each product so that a huge shape is refused instead of wrapping around.
  const int64_t max_count = std::numeric_limits<int64_t>::max() / static_cast<int64_t>(sizeof(int64_t));
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0) throw GraphApiError(what + ": a constant's shape cannot have negative dimensions");
    if (dim > 0 && count > max_count / dim) {
      throw GraphApiError(what + ": the shape holds more than " + std::to_string(max_count) + " values (" +
                          std::to_string(values.size()) + " were given)");
    }
    count *= dim;
  }
  if (count != static_cast<int64_t>(values.size())) {
    throw GraphApiError(what + ": shape holds " + std::to_string(count) + " values but " +
                        std::to_string(values.size()) + " were given");
  }
  size_t element_size;
  switch (dtype) {
    case TF_FLOAT: element_size = sizeof(float); break;
    case TF_INT32: element_size = sizeof(int32_t); break;
    case TF_INT64: element_size = sizeof(int64_t); break;
    default: throw GraphApiError(what + ": constants can be float32, int32 or int64");
  }
  const size_t byte_size = element_size * static_cast<size_t>(count);
  Tensor tensor(TF_AllocateTensor(dtype, shape.data(), static_cast<int>(shape.size()), byte_size));
  void *data = tensor ? TF_TensorData(tensor.get()) : nullptr;
  if (!tensor || (byte_size > 0 && data == nullptr)) {
    throw GraphApiError(what + ": out of memory: could not allocate " + std::to_string(byte_size) +
                            " bytes for the constant; free tensors or make the constant smaller",
                        TF_RESOURCE_EXHAUSTED);
  }
  for (int64_t i = 0; i < count; ++i) {
    const std::string element = what + ".values[" + std::to_string(i) + "]";
    switch (dtype) {
      case TF_FLOAT: static_cast<float *>(data)[i] = static_cast<float>(ReadNumber(env, values[i], element)); break;
      case TF_INT32: {
        const int64_t value = ReadInteger(env, values[i], element);
        if (value < std::numeric_limits<int32_t>::min() || value > std::numeric_limits<int32_t>::max()) {
          throw GraphApiError(element + " = " + std::to_string(value) +
                              " is outside int32's range [-2147483648, 2147483647]; make the constant int64");
        }
        static_cast<int32_t *>(data)[i] = static_cast<int32_t>(value);
        break;
      }
      default: static_cast<int64_t *>(data)[i] = ReadInteger(env, values[i], element); break;
    }
  }
  return tensor;
}

Attribute ReadAttribute(napi_env env, napi_value value, const std::string &what) {
  Attribute attribute;
  attribute.name = ReadString(env, Property(env, value, "name", what), what + ".name");
  const std::string where = what + " '" + attribute.name + "'";
  attribute.type = ReadString(env, Property(env, value, "type", what), where + ".type");
  napi_value js_value = Property(env, value, "value", what);
  const std::string &type = attribute.type;
  if (type == "int") {
    attribute.ints.push_back(ReadInteger(env, js_value, where));
  } else if (type == "ints") {
    attribute.ints = ReadIntegers(env, js_value, where);
  } else if (type == "float") {
    attribute.floats.push_back(static_cast<float>(ReadNumber(env, js_value, where)));
  } else if (type == "floats") {
    for (napi_value element : ReadArray(env, js_value, where)) {
      attribute.floats.push_back(static_cast<float>(ReadNumber(env, element, where + "[]")));
    }
  } else if (type == "bool") {
    attribute.bools.push_back(ReadBool(env, js_value, where) ? 1 : 0);
  } else if (type == "string" || type == "func") {
    attribute.text = ReadString(env, js_value, where);
  } else if (type == "type") {
    attribute.dtypes.push_back(ParseDtype(ReadString(env, js_value, where), where));
  } else if (type == "types") {
    for (napi_value element : ReadArray(env, js_value, where)) {
      attribute.dtypes.push_back(ParseDtype(ReadString(env, element, where + "[]"), where));
    }
  } else if (type == "shape") {
    attribute.unknown_rank = IsNullish(env, js_value);
    if (!attribute.unknown_rank) attribute.ints = ReadIntegers(env, js_value, where);
  } else if (type == "tensor") {
    attribute.tensor = ReadTensorValue(env, js_value, where);
  } else {
    throw GraphApiError(where + ": unknown attribute type '" + type + "'");
  }
  return attribute;
}

void SetAttribute(TF_OperationDescription *description, const Attribute &attribute, TF_Status *status) {
  const char *name = attribute.name.c_str();
  const std::string &type = attribute.type;
  if (type == "int") {
    TF_SetAttrInt(description, name, attribute.ints[0]);
  } else if (type == "ints") {
    TF_SetAttrIntList(description, name, attribute.ints.data(), static_cast<int>(attribute.ints.size()));
  } else if (type == "float") {
    TF_SetAttrFloat(description, name, attribute.floats[0]);
  } else if (type == "floats") {
    TF_SetAttrFloatList(description, name, attribute.floats.data(), static_cast<int>(attribute.floats.size()));
  } else if (type == "bool") {
    TF_SetAttrBool(description, name, attribute.bools[0]);
  } else if (type == "string") {
    TF_SetAttrString(description, name, attribute.text.data(), attribute.text.size());
  } else if (type == "func") {
    TF_SetAttrFuncName(description, name, attribute.text.data(), attribute.text.size());
  } else if (type == "type") {
    TF_SetAttrType(description, name, attribute.dtypes[0]);
  } else if (type == "types") {
    TF_SetAttrTypeList(description, name, attribute.dtypes.data(), static_cast<int>(attribute.dtypes.size()));
  } else if (type == "shape") {
    TF_SetAttrShape(description, name, attribute.ints.data(),
                    attribute.unknown_rank ? -1 : static_cast<int>(attribute.ints.size()));
  } else if (type == "tensor") {
    // Copies the tensor: the Attribute still owns and frees its own.
    TF_SetAttrTensor(description, name, attribute.tensor.get(), status);
  }
}

// ---- Exported functions -----------------------------------------------------

struct CallInfo {
  std::vector<napi_value> args;
  TFE_Context *context;
};

CallInfo ReadCall(napi_env env, napi_callback_info info, size_t expected, const char *usage) {
  CallInfo call;
  size_t count = expected;
  call.args.resize(expected);
  void *data;
  CheckNapi(napi_get_cb_info(env, info, &count, call.args.data(), nullptr, &data), "napi_get_cb_info");
  if (count < expected) throw GraphApiError(std::string("expected ") + usage);
  call.context = static_cast<TFE_Context *>(data);
  return call;
}

// newGraph(): Graph
napi_value NewGraph(napi_env env, napi_callback_info info) {
  napi_value object;
  CheckNapi(napi_create_object(env, &object), "creating an object");
  std::unique_ptr<GraphHolder> holder(new GraphHolder());
  CheckNapi(napi_wrap(env, object, holder.get(), FinalizeGraph, nullptr, nullptr), "napi_wrap");
  holder.release();  // The wrapper owns it now; FinalizeGraph deletes it.
  CheckNapi(napi_type_tag_object(env, object, &kGraphTag), "napi_type_tag_object");
  return object;
}

// deleteGraph(graph): frees the graph now; functions made from it stay valid.
napi_value DeleteGraph(napi_env env, napi_callback_info info) {
  const CallInfo call = ReadCall(env, info, 1, "deleteGraph(graph)");
  ReadGraphHolder(env, call.args[0])->DeleteGraph();
  return nullptr;
}

// addOperation(graph, opType, name, inputs, attributes, controlInputs): Output[]
// An input is one tensor { operation, index } or an array of them (a list input).
napi_value AddOperation(napi_env env, napi_callback_info info) {
  const CallInfo call =
      ReadCall(env, info, 6, "addOperation(graph, opType, name, inputs, attributes, controlInputs)");
  GraphHolder *holder = ReadUsableGraphHolder(env, call.args[0]);
  TF_Graph *graph = holder->graph;
  const std::string op_type = ReadString(env, call.args[1], "opType");
  const std::string name = ReadString(env, call.args[2], "name");
  const std::string what = op_type + " operation '" + name + "'";

  std::vector<std::vector<TF_Output>> inputs;
  std::vector<bool> is_list;
  const std::vector<napi_value> input_values = ReadArray(env, call.args[3], what + ": inputs");
  for (size_t i = 0; i < input_values.size(); ++i) {
    bool list;
    CheckNapi(napi_is_array(env, input_values[i], &list), "napi_is_array");
    const std::string input_what = what + ": input " + std::to_string(i);
    is_list.push_back(list);
    inputs.push_back(list ? ReadOutputs(env, graph, input_values[i], input_what)
                          : std::vector<TF_Output>{ReadOutput(env, graph, input_values[i], input_what)});
  }
  std::vector<Attribute> attributes;
  for (napi_value value : ReadArray(env, call.args[4], what + ": attributes")) {
    attributes.push_back(ReadAttribute(env, value, what + ": attribute"));
  }
  const std::vector<TF_Operation *> control_inputs =
      ReadOperations(env, graph, call.args[5], what + ": control inputs");
  if (TF_GraphOperationByName(graph, name.c_str()) != nullptr) {
    throw GraphApiError(what + ": the graph already has an operation of that name");
  }

  // From here on the description must reach TF_FinishOperation, which frees it.
  Status status = NewStatus();
  TF_OperationDescription *description = TF_NewOperation(graph, op_type.c_str(), name.c_str());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (is_list[i]) {
      TF_AddInputList(description, inputs[i].data(), static_cast<int>(inputs[i].size()));
    } else {
      TF_AddInput(description, inputs[i][0]);
    }
  }
  for (TF_Operation *control_input : control_inputs) TF_AddControlInput(description, control_input);
  Status attribute_status = NewStatus();
  const Attribute *failed_attribute = nullptr;
  for (const Attribute &attribute : attributes) {
    SetAttribute(description, attribute, attribute_status.get());
    if (TF_GetCode(attribute_status.get()) != TF_OK) {
      failed_attribute = &attribute;
      break;
    }
  }
  // TensorFlow checks the attributes against the op's definition here (a value
  // the op does not allow, a value of the wrong type, a name the op does not
  // have); when it refuses, it removes the node again, so the graph is unchanged.
  TF_Operation *operation = TF_FinishOperation(description, status.get());
  if (failed_attribute != nullptr) {
    // Only TF_SetAttrTensor reports a status, and TensorFlow 2.21's only copies
    // the tensor (TF_TensorToTensor cannot fail for the float32, int32 and int64
    // tensors ReadTensorValue makes), so no input reaches this today. Should a
    // later TensorFlow fail here for an attribute the op has a default for, the
    // node went in without it and no later function of the graph could be trusted.
    std::string message = "could not set attribute '" + failed_attribute->name + "' of " + what;
    if (operation != nullptr) {
      holder->broken = what + " was added without its attribute '" + failed_attribute->name + "'";
      message += " (the operation was added without it, so the graph is unusable)";
    }
    ThrowIfFailed(attribute_status, message);
  }
  ThrowIfFailed(status, "could not add " + what);

  std::vector<TF_Output> outputs;
  for (int i = 0; i < TF_OperationNumOutputs(operation); ++i) outputs.push_back(TF_Output{operation, i});
  return DescribeOutputs(env, graph, outputs);
}

// TensorFlow's C++ gradient of Relu hands ReluGrad the Relu's input; Python's
// hands it the Relu's output, which gives the same mask (relu(x) > 0 exactly
// where x > 0). With the input, the bias addition before the Relu has a second
// consumer, and Grappler's remapper then cannot fuse Conv2D or MatMul + BiasAdd
// + Relu into one oneDNN primitive as it does for Python's tf.function.
void FeedReluGradsReluOutputs(TF_Graph *graph) {
  std::vector<std::pair<TF_Output, TF_Input>> edges;
  size_t position = 0;
  while (TF_Operation *operation = TF_GraphNextOperation(graph, &position)) {
    if (std::strcmp(TF_OperationOpType(operation), "ReluGrad") != 0) continue;
    const TF_Input features{operation, 1};
    const TF_Output source = TF_OperationInput(features);
    std::vector<TF_Input> consumers(TF_OperationOutputNumConsumers(source));
    TF_OperationOutputConsumers(source, consumers.data(), static_cast<int>(consumers.size()));
    for (const TF_Input &consumer : consumers) {
      if (std::strcmp(TF_OperationOpType(consumer.oper), "Relu") == 0) {
        edges.push_back({TF_Output{consumer.oper, 0}, features});
        break;
      }
    }
  }
  for (const auto &edge : edges) {
    Status status = NewStatus();
    TF_UpdateEdge(graph, edge.first, edge.second, status.get());
    ThrowIfFailed(status, "addGradients: giving ReluGrad the Relu's output");
  }
}

// The gradient of MatMul(a, b) with respect to a is MatMul(dy, b, transpose_b).
// TensorFlow's oneDNN build runs that MatMul through oneDNN's sgemm interface,
// which is about twice as slow on these CPUs as the same product as
// BatchMatMulV2 with adj_y, run as a oneDNN matmul primitive (MNIST's first
// fully connected layer, 50x1024 by 1024x3136: 7 against 3 ms in Python's
// tf.function too). So each such MatMul the gradient added becomes BatchMatMulV2;
// the MatMul is left without consumers and the function runtime prunes it
// (gradients that are its output are moved to the BatchMatMulV2).
void TransposedMatMulsAsBatchMatMuls(TF_Graph *graph, size_t first_new_position, std::vector<TF_Output> &gradients) {
  std::vector<TF_Operation *> matmuls;
  size_t position = first_new_position;
  while (TF_Operation *operation = TF_GraphNextOperation(graph, &position)) {
    if (std::strcmp(TF_OperationOpType(operation), "MatMul") != 0) continue;
    unsigned char transpose_a = 0, transpose_b = 0;
    Status status = NewStatus();
    TF_OperationGetAttrBool(operation, "transpose_a", &transpose_a, status.get());
    ThrowIfFailed(status, "addGradients: reading MatMul's transpose_a");
    TF_OperationGetAttrBool(operation, "transpose_b", &transpose_b, status.get());
    ThrowIfFailed(status, "addGradients: reading MatMul's transpose_b");
    if (!transpose_a && transpose_b) matmuls.push_back(operation);
  }
  for (TF_Operation *matmul : matmuls) {
    Status status = NewStatus();
    const std::string name = std::string(TF_OperationName(matmul)) + "/as_batch_matmul";
    TF_OperationDescription *description = TF_NewOperation(graph, "BatchMatMulV2", name.c_str());
    TF_AddInput(description, TF_OperationInput(TF_Input{matmul, 0}));
    TF_AddInput(description, TF_OperationInput(TF_Input{matmul, 1}));
    TF_SetAttrBool(description, "adj_x", 0);
    TF_SetAttrBool(description, "adj_y", 1);
    TF_Operation *batch_matmul = TF_FinishOperation(description, status.get());
    ThrowIfFailed(status, "addGradients: adding " + name);
    const TF_Output product{matmul, 0};
    std::vector<TF_Input> consumers(TF_OperationOutputNumConsumers(product));
    TF_OperationOutputConsumers(product, consumers.data(), static_cast<int>(consumers.size()));
    for (const TF_Input &consumer : consumers) {
      TF_UpdateEdge(graph, TF_Output{batch_matmul, 0}, consumer, status.get());
      ThrowIfFailed(status, "addGradients: rewiring " + name);
    }
    for (TF_Output &gradient : gradients) {
      if (gradient.oper == matmul) gradient = TF_Output{batch_matmul, 0};
    }
  }
}

// addGradients(graph, ys, xs, dys | null): Output[], d(sum of ys)/d(each x)
// (with ReluGrad fed the Relu's output, as in Python, and dy * b^T as BatchMatMulV2)
napi_value AddGradients(napi_env env, napi_callback_info info) {
  const CallInfo call = ReadCall(env, info, 4, "addGradients(graph, ys, xs, dys)");
  GraphHolder *holder = ReadUsableGraphHolder(env, call.args[0]);
  TF_Graph *graph = holder->graph;
  std::vector<TF_Output> ys = ReadOutputs(env, graph, call.args[1], "addGradients: ys");
  std::vector<TF_Output> xs = ReadOutputs(env, graph, call.args[2], "addGradients: xs");
  std::vector<TF_Output> dys;
  if (!IsNullish(env, call.args[3])) {
    dys = ReadOutputs(env, graph, call.args[3], "addGradients: dys");
    if (dys.size() != ys.size()) throw GraphApiError("addGradients: dys must have one entry per y");
  }
  if (ys.empty() || xs.empty()) throw GraphApiError("addGradients: ys and xs must not be empty");

  size_t first_new_position = 0;
  while (TF_GraphNextOperation(graph, &first_new_position) != nullptr) {
  }
  std::vector<TF_Output> gradients(xs.size(), TF_Output{nullptr, 0});
  Status status = NewStatus();
  TF_AddGradients(graph, ys.data(), static_cast<int>(ys.size()), xs.data(), static_cast<int>(xs.size()),
                  dys.empty() ? nullptr : dys.data(), status.get(), gradients.data());
  if (TF_GetCode(status.get()) != TF_OK) {
    // TensorFlow may have added part of the gradient before it failed.
    size_t position = first_new_position;
    if (TF_GraphNextOperation(graph, &position) != nullptr) {
      holder->broken = std::string("addGradients failed after adding part of the gradient (") +
                       TF_Message(status.get()) + ")";
    }
    ThrowIfFailed(status, "addGradients");
  }
  for (size_t i = 0; i < gradients.size(); ++i) {
    if (gradients[i].oper == nullptr) {
      throw GraphApiError("addGradients: xs[" + std::to_string(i) +
                          "] gets no gradient: TensorFlow found no differentiable path from the ys to it");
    }
  }
  try {
    FeedReluGradsReluOutputs(graph);
    TransposedMatMulsAsBatchMatMuls(graph, first_new_position, gradients);
  } catch (const GraphApiError &error) {
    holder->broken = std::string("rewriting the gradient failed part-way (") + error.what() + ")";
    throw;
  }
  return DescribeOutputs(env, graph, gradients);
}

// addFunction(graph, name, inputs, outputs, outputNames, controlOutputs):
// makes a function of the whole graph (placeholders listed in `inputs` become
// its arguments) and adds it to the eager context; the graph stays usable.
napi_value AddFunction(napi_env env, napi_callback_info info) {
  const CallInfo call =
      ReadCall(env, info, 6, "addFunction(graph, name, inputs, outputs, outputNames, controlOutputs)");
  TF_Graph *graph = ReadGraph(env, call.args[0]);
  const std::string name = ReadString(env, call.args[1], "addFunction: name");
  const std::string what = "addFunction '" + name + "'";
  const std::vector<TF_Output> inputs = ReadOutputs(env, graph, call.args[2], what + ": inputs");
  const std::vector<TF_Output> outputs = ReadOutputs(env, graph, call.args[3], what + ": outputs");
  std::vector<std::string> output_names;
  for (napi_value value : ReadArray(env, call.args[4], what + ": output names")) {
    output_names.push_back(ReadString(env, value, what + ": output name"));
  }
  if (output_names.size() != outputs.size()) throw GraphApiError(what + ": give one name per output");
  const std::vector<TF_Operation *> control_outputs =
      ReadOperations(env, graph, call.args[5], what + ": control outputs");
  if (TFE_ContextHasFunction(call.context, name.c_str())) {
    throw GraphApiError(what + ": the eager context already has a function of that name");
  }

  std::vector<const char *> output_name_pointers;
  for (const std::string &output_name : output_names) output_name_pointers.push_back(output_name.c_str());
  std::vector<std::string> control_names;
  for (TF_Operation *operation : control_outputs) control_names.push_back(TF_OperationName(operation));
  std::vector<const char *> control_name_pointers;
  for (const std::string &control_name : control_names) control_name_pointers.push_back(control_name.c_str());
  std::vector<const TF_Operation *> control_pointers(control_outputs.begin(), control_outputs.end());

  Status status = NewStatus();
  Function function(TF_GraphToFunctionWithControlOutputs(
      graph, name.c_str(), /*append_hash_to_fn_name=*/0, /*num_opers=*/-1, /*opers=*/nullptr,
      static_cast<int>(inputs.size()), inputs.data(), static_cast<int>(outputs.size()), outputs.data(),
      output_name_pointers.data(), static_cast<int>(control_pointers.size()), control_pointers.data(),
      control_name_pointers.data(), /*opts=*/nullptr, /*description=*/nullptr, status.get()));
  ThrowIfFailed(status, what + ": could not make a function of the graph");
  TFE_ContextAddFunction(call.context, function.get(), status.get());
  ThrowIfFailed(status, what + ": could not add the function to the eager context");
  return nullptr;
}

// removeFunction(name): removes a function added by addFunction.
napi_value RemoveFunction(napi_env env, napi_callback_info info) {
  const CallInfo call = ReadCall(env, info, 1, "removeFunction(name)");
  const std::string name = ReadString(env, call.args[0], "removeFunction: name");
  Status status = NewStatus();
  TFE_ContextRemoveFunction(call.context, name.c_str(), status.get());
  ThrowIfFailed(status, "removeFunction '" + name + "'");
  return nullptr;
}

// hasFunction(name): boolean
napi_value HasFunction(napi_env env, napi_callback_info info) {
  const CallInfo call = ReadCall(env, info, 1, "hasFunction(name)");
  const std::string name = ReadString(env, call.args[0], "hasFunction: name");
  napi_value result;
  CheckNapi(napi_get_boolean(env, TFE_ContextHasFunction(call.context, name.c_str()) != 0, &result),
            "napi_get_boolean");
  return result;
}

// oneDnnEnabled(): what TensorFlow itself decided about its oneDNN optimizations (graph
// rewrites, oneDNN kernels for standard ops), so reports need not guess from the environment.
napi_value OneDnnEnabled(napi_env env, napi_callback_info info) {
  ReadCall(env, info, 0, "oneDnnEnabled()");
  napi_value result;
  CheckNapi(napi_get_boolean(env, tensorflow::IsMKLEnabled(), &result), "napi_get_boolean");
  return result;
}

// liveGraphs(): how many graphs newGraph made are not freed yet.
napi_value LiveGraphs(napi_env env, napi_callback_info info) {
  ReadCall(env, info, 0, "liveGraphs()");
  napi_value result;
  CheckNapi(napi_create_int64(env, live_graphs.load(), &result), "creating a number");
  return result;
}

// Throws `message` as a JavaScript Error, with `tfStatus` (TF_Code's name)
// when TensorFlow reported it.
void ThrowJsError(napi_env env, const std::string &message, TF_Code code) {
  napi_value text, error;
  if (napi_create_string_utf8(env, message.c_str(), message.size(), &text) != napi_ok ||
      napi_create_error(env, nullptr, text, &error) != napi_ok) {
    napi_throw_error(env, nullptr, message.c_str());
    return;
  }
  if (code != TF_OK) {
    napi_value name;
    if (napi_create_string_utf8(env, TfCodeName(code), NAPI_AUTO_LENGTH, &name) == napi_ok) {
      napi_set_named_property(env, error, "tfStatus", name);
    }
  }
  napi_throw(env, error);
}

// Runs an exported function; a C++ exception becomes a JavaScript Error.
template <napi_value (*Body)(napi_env, napi_callback_info)>
napi_value Guarded(napi_env env, napi_callback_info info) {
  std::string message;
  TF_Code code = TF_OK;
  try {
    return Body(env, info);
  } catch (const GraphApiError &error) {
    message = error.what();
    code = error.code();
  } catch (const std::bad_alloc &) {
    message = "out of memory";
    code = TF_RESOURCE_EXHAUSTED;
  } catch (const std::exception &error) {
    message = error.what();
  }
  // A JavaScript exception already pending (e.g. from a property getter) is the better report.
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) ThrowJsError(env, "graphApi: " + message, code);
  return nullptr;
}

// Leaves a pending JavaScript exception naming the N-API call that failed, so
// loading the addon fails with it instead of lacking graphApi without a word.
void ThrowExportFailure(napi_env env, const char *what) {
  // Read first: every N-API call, napi_is_exception_pending included, resets it.
  const napi_extended_error_info *info = nullptr;
  napi_get_last_error_info(env, &info);
  const std::string detail = info != nullptr && info->error_message != nullptr ? info->error_message : "no detail";
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const std::string message = std::string("graphApi: could not add the graph API to tfjs-node's addon: ") + what +
                              " failed (" + detail +
                              "). This is an N-API failure while the addon loads, not a build problem: "
                              "retry in a fresh process.";
  napi_throw_error(env, nullptr, message.c_str());
}

}  // namespace

void ExportGraphApi(napi_env env, napi_value exports, TFE_Context *context) {
  napi_value api;
  if (napi_create_object(env, &api) != napi_ok) return ThrowExportFailure(env, "napi_create_object");
  const napi_property_descriptor functions[] = {
      {"newGraph", nullptr, Guarded<NewGraph>, nullptr, nullptr, nullptr, napi_default, context},
      {"deleteGraph", nullptr, Guarded<DeleteGraph>, nullptr, nullptr, nullptr, napi_default, context},
      {"addOperation", nullptr, Guarded<AddOperation>, nullptr, nullptr, nullptr, napi_default, context},
      {"addGradients", nullptr, Guarded<AddGradients>, nullptr, nullptr, nullptr, napi_default, context},
      {"addFunction", nullptr, Guarded<AddFunction>, nullptr, nullptr, nullptr, napi_default, context},
      {"removeFunction", nullptr, Guarded<RemoveFunction>, nullptr, nullptr, nullptr, napi_default, context},
      {"hasFunction", nullptr, Guarded<HasFunction>, nullptr, nullptr, nullptr, napi_default, context},
      {"oneDnnEnabled", nullptr, Guarded<OneDnnEnabled>, nullptr, nullptr, nullptr, napi_default, context},
      {"liveGraphs", nullptr, Guarded<LiveGraphs>, nullptr, nullptr, nullptr, napi_default, context},
  };
  if (napi_define_properties(env, api, sizeof(functions) / sizeof(functions[0]), functions) != napi_ok) {
    return ThrowExportFailure(env, "napi_define_properties (graphApi's functions)");
  }
  if (napi_set_named_property(env, exports, "graphApi", api) != napi_ok) {
    return ThrowExportFailure(env, "napi_set_named_property (exports.graphApi)");
  }
}

}  // namespace cnn_graph
