// The project's graph-building API, compiled into tfjs-node's addon so that
// functions it builds land in the same eager context the binding's executeOp
// runs ops on (see addon/README.md).
#ifndef CNN_ADDON_GRAPH_API_H_
#define CNN_ADDON_GRAPH_API_H_

#include <node_api.h>
#include "tensorflow/c/eager/c_api.h"

namespace cnn_graph {

// Adds `graphApi` (newGraph, addOperation, addGradients, addFunction, ...) to
// the binding's exports; `context` must outlive the exported functions.
void ExportGraphApi(napi_env env, napi_value exports, TFE_Context *context);

}  // namespace cnn_graph

#endif  // CNN_ADDON_GRAPH_API_H_
