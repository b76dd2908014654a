/*
 * ort_run: onnxruntime sessions created and run through onnxruntime's C API, on the caller's buffers.
 *
 * Why: onnxruntime-node copies every output of every run into a new ArrayBuffer, even when the
 * caller passes output tensors of its own, and defers every run to a later turn of the event loop.
 * A streaming Zipformer makes one encoder call per chunk with 39 state outputs, and a decoder and
 * joiner call per emitted token: the copies keep V8's collector busy and the hops add up, while
 * sherpa-onnx runs the same onnxruntime from C++ and pays neither. Here every input and output is
 * an OrtValue over the caller's typed array: onnxruntime reads and writes them in place, and a run
 * allocates nothing on the JS heap.
 *
 * The library is the one onnxruntime-node ships and has already loaded (the same file, so the same
 * copy in the process). Its OrtApi is a table of function pointers; the positions used below are
 * onnxruntime's C ABI, which only ever appends, and version 13 of the table is asked for, so any
 * onnxruntime since 1.13 serves it.
 *
 *   ortOpen(libraryPath: string): string      the library's version; throws (code EORTLIB) when it
 *                                             cannot be loaded; the first path opened stays
 *   ortCreateSession(bytes: Uint8Array, threads: number, arena: boolean, config: string[])
 *     : { session, inputs, outputs }          a session on an ORT-format model (bytes, which the
 *                                             session holds), with session config entries given
 *                                             as [key, value, key, value, ...];
 *                                             inputs/outputs: { name, type, dims } with type the
 *                                             ONNX element type and -1 for a symbolic dimension
 *   ortRun(session, inputs: TypedArray[], inputDims: number[][], outputs: (TypedArray | null)[],
 *          outputDims: (number[] | null)[]): ([TypedArray, number[], type] | undefined)[] | undefined
 *                                             inputs and outputs in the session's order; a given
 *                                             output is written in place (undefined in the
 *                                             result), a null one is allocated by onnxruntime and
 *                                             returned as a copy with its dims and
 *                                             element type (bool comes as a Uint8Array);
 *                                             undefined when every output was given
 *   ortRelease(session): undefined            frees the session now (the collector would later)
 * Errors from onnxruntime are thrown with code EORT and its message.
 */
#include "ort_run.h"

#include <stdint.h>

typedef struct OrtStatus OrtStatus;
typedef void OrtObject; /* OrtEnv, OrtSession, OrtValue, ...: only ever passed back */

/* Positions in the OrtApi table (onnxruntime_c_api.h, struct OrtApi, counted from 0). */
enum {
  API_GET_ERROR_MESSAGE = 2,
  API_CREATE_ENV = 3,
  API_CREATE_SESSION_FROM_ARRAY = 8,
  API_RUN = 9,
  API_CREATE_SESSION_OPTIONS = 10,
  API_SET_SESSION_EXECUTION_MODE = 13,
  API_ENABLE_CPU_MEM_ARENA = 18,
  API_DISABLE_CPU_MEM_ARENA = 19,
  API_SET_SESSION_LOG_SEVERITY_LEVEL = 22,
  API_SET_SESSION_GRAPH_OPTIMIZATION_LEVEL = 23,
  API_SET_INTRA_OP_NUM_THREADS = 24,
  API_SET_INTER_OP_NUM_THREADS = 25,
  API_SESSION_GET_INPUT_COUNT = 30,
  API_SESSION_GET_OUTPUT_COUNT = 31,
  API_SESSION_GET_INPUT_TYPE_INFO = 33,
  API_SESSION_GET_OUTPUT_TYPE_INFO = 34,
  API_SESSION_GET_INPUT_NAME = 36,
  API_SESSION_GET_OUTPUT_NAME = 37,
  API_CREATE_TENSOR_WITH_DATA_AS_ORT_VALUE = 49,
  API_GET_TENSOR_MUTABLE_DATA = 51,
  API_CAST_TYPE_INFO_TO_TENSOR_INFO = 55,
  API_GET_TENSOR_ELEMENT_TYPE = 60,
  API_GET_DIMENSIONS_COUNT = 61,
  API_GET_DIMENSIONS = 62,
  API_GET_TENSOR_TYPE_AND_SHAPE = 65,
  API_CREATE_CPU_MEMORY_INFO = 69,
  API_ALLOCATOR_FREE = 76,
  API_GET_ALLOCATOR_WITH_DEFAULT_OPTIONS = 78,
  API_RELEASE_STATUS = 93,
  API_RELEASE_SESSION = 95,
  API_RELEASE_VALUE = 96,
  API_RELEASE_TYPE_INFO = 98,
  API_RELEASE_TENSOR_TYPE_AND_SHAPE_INFO = 99,
  API_RELEASE_SESSION_OPTIONS = 100,
  API_ADD_SESSION_CONFIG_ENTRY = 130,
};
#define ORT_API_VERSION_ASKED 13

/* ONNX element types (TensorProto.DataType). */
enum { ONNX_FLOAT = 1, ONNX_UINT8 = 2, ONNX_INT8 = 3, ONNX_INT32 = 6, ONNX_INT64 = 7, ONNX_BOOL = 9, ONNX_DOUBLE = 11 };

/* The most dimensions one tensor may have. */
#define MAX_DIMS 8

/* onnxruntime declares its functions __stdcall on Windows, which 64-bit targets ignore. */
typedef struct {
  const void *(*get_api)(uint32_t version);
  const char *(*get_version_string)(void);
} OrtApiBase;

typedef OrtStatus *(*fn_status_p)(void *);
typedef OrtStatus *(*fn_status_pi)(void *, int);
typedef OrtStatus *(*fn_status_pp)(void *, void *);
typedef OrtStatus *(*fn_status_pss)(void *, const char *, const char *);
typedef void (*fn_release)(void *);

static void *const *api; /* the OrtApi table, NULL until ortOpen succeeded */
static OrtObject *ort_env;
static OrtObject *cpu_memory;
static OrtObject *default_allocator;
static const char *ort_version;

#define API(index, type) ((type)api[index])

typedef struct {
  OrtObject *session; /* NULL once released */
  napi_ref bytes;     /* the model bytes onnxruntime uses in place */
  size_t inputs, outputs;
  char **input_names, **output_names; /* allocated by onnxruntime's default allocator */
  int *input_types, *output_types;     /* ONNX element types, 0 for a value that is not a tensor */
  /* A run's working lists, allocated with the session (runs happen one at a time, on the JS
     thread): a run allocates nothing, and the lists are as long as the model needs. */
  OrtObject **run_inputs, **run_outputs;
  int *run_given;
} Session;

/* Throws onnxruntime's message (code EORT) when status is an error; 1 when there was none. */
static int ok(napi_env env, OrtStatus *status) {
  if (status == NULL) return 1;
  const char *message = API(API_GET_ERROR_MESSAGE, const char *(*)(const OrtStatus *))(status);
  napi_throw_error(env, "EORT", message);
  API(API_RELEASE_STATUS, fn_release)(status);
  return 0;
}

static napi_value open_library(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  napi_value version;
  if (api != NULL) {
    napi_create_string_utf8(env, ort_version, NAPI_AUTO_LENGTH, &version);
    return version;
  }
  char *path = murmur_string_argument(env, argc > 0 ? argv[0] : NULL, "ortOpen(libraryPath): libraryPath must be a non-empty string without NUL characters");
  if (path == NULL) return NULL;
  murmur_failure failure;
  failure.step = "cannot load";
  failure.missing = 0;
  failure.reason[0] = '\0';
  const OrtApiBase *(*get_base)(void) = (const OrtApiBase *(*)(void))murmur_library_symbol(env, argv[0], path, "OrtGetApiBase", &failure);
  if (get_base == NULL) {
    murmur_throw_failure(env, "EORTLIB", path, &failure);
    murmur_free(path);
    return NULL;
  }
  murmur_free(path);
  const OrtApiBase *base = get_base();
  void *const *table = base == NULL ? NULL : (void *const *)base->get_api(ORT_API_VERSION_ASKED);
  if (table == NULL) {
    napi_throw_error(env, "EORTLIB", "this onnxruntime does not offer version 13 of its C API");
    return NULL;
  }
  api = table;
  /* onnxruntime keeps one environment per process (onnxruntime-node's): this takes a reference to
     it. Level 3: errors only, as Murmur's sessions log. */
  if (!ok(env, API(API_CREATE_ENV, OrtStatus *(*)(int, const char *, OrtObject **))(3, "murmur", &ort_env)) ||
      !ok(env, API(API_CREATE_CPU_MEMORY_INFO, OrtStatus *(*)(int, int, OrtObject **))(0, 0, &cpu_memory)) ||
      !ok(env, API(API_GET_ALLOCATOR_WITH_DEFAULT_OPTIONS, OrtStatus *(*)(OrtObject **))(&default_allocator))) {
    api = NULL;
    return NULL;
  }
  ort_version = base->get_version_string();
  napi_create_string_utf8(env, ort_version, NAPI_AUTO_LENGTH, &version);
  return version;
}

static void release_session(napi_env env, Session *s) {
  if (s->session == NULL) return;
  API(API_RELEASE_SESSION, fn_release)(s->session);
  s->session = NULL;
  for (size_t i = 0; i < s->inputs; i++) API(API_ALLOCATOR_FREE, fn_status_pp)(default_allocator, s->input_names[i]);
  for (size_t i = 0; i < s->outputs; i++) API(API_ALLOCATOR_FREE, fn_status_pp)(default_allocator, s->output_names[i]);
  murmur_free(s->input_names);
  murmur_free(s->output_names);
  s->input_names = s->output_names = NULL;
  murmur_free(s->input_types);
  murmur_free(s->output_types);
  s->input_types = s->output_types = NULL;
  murmur_free(s->run_inputs);
  murmur_free(s->run_outputs);
  murmur_free(s->run_given);
  s->run_inputs = s->run_outputs = NULL;
  s->run_given = NULL;
  s->inputs = s->outputs = 0;
  if (s->bytes != NULL) napi_delete_reference(env, s->bytes);
  s->bytes = NULL;
}

static void finalize_session(napi_env env, void *data, void *hint) {
  (void)hint;
  release_session(env, (Session *)data);
  murmur_free(data);
}

/* The element type and dims of a tensor's type-and-shape info; 0 after throwing. */
static int read_shape(napi_env env, const OrtObject *info, int *element, size_t *rank, int64_t *dims) {
  if (!ok(env, API(API_GET_TENSOR_ELEMENT_TYPE, OrtStatus *(*)(const OrtObject *, int *))(info, element)) ||
      !ok(env, API(API_GET_DIMENSIONS_COUNT, OrtStatus *(*)(const OrtObject *, size_t *))(info, rank))) return 0;
  if (*rank > MAX_DIMS) {
    napi_throw_range_error(env, NULL, "a tensor of the model has more than 8 dimensions");
    return 0;
  }
  return ok(env, API(API_GET_DIMENSIONS, OrtStatus *(*)(const OrtObject *, int64_t *, size_t))(info, dims, *rank));
}

/* dims as a JS array of numbers (-1 for an open dimension). */
static napi_value dims_array(napi_env env, const int64_t *dims, size_t rank) {
  napi_value array, item;
  napi_create_array_with_length(env, rank, &array);
  for (size_t i = 0; i < rank; i++) {
    napi_create_double(env, (double)dims[i], &item);
    napi_set_element(env, array, (uint32_t)i, item);
  }
  return array;
}

/* { name, type, dims } of one input or output (its element type also into *element_out, left as it
   is for a value that is not a tensor); NULL after throwing. */
static napi_value describe(napi_env env, const char *name, OrtObject *type_info, int *element_out) {
  const OrtObject *tensor = NULL;
  int element = 0;
  size_t rank = 0;
  int64_t dims[MAX_DIMS];
  napi_value result, value;
  if (!ok(env, API(API_CAST_TYPE_INFO_TO_TENSOR_INFO, OrtStatus *(*)(const OrtObject *, const OrtObject **))(type_info, &tensor))) return NULL;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, result, "name", value);
  if (tensor == NULL) return result; /* not a tensor (a sequence or map): no type, no dims */
  if (!read_shape(env, tensor, &element, &rank, dims)) return NULL;
  *element_out = element;
  napi_create_int32(env, element, &value);
  napi_set_named_property(env, result, "type", value);
  napi_set_named_property(env, result, "dims", dims_array(env, dims, rank));
  return result;
}

typedef OrtStatus *(*fn_get_name)(const OrtObject *, size_t, OrtObject *, char **);
typedef OrtStatus *(*fn_get_type_info)(const OrtObject *, size_t, OrtObject **);

/* Fills names[0..count) and returns the JS array describing them; NULL after throwing. */
static napi_value list_values(napi_env env, Session *s, size_t count, char **names, int *types, fn_get_name get_name, fn_get_type_info get_info) {
  napi_value list;
  napi_create_array_with_length(env, count, &list);
  for (size_t i = 0; i < count; i++) {
    if (!ok(env, get_name(s->session, i, default_allocator, &names[i]))) return NULL;
    OrtObject *type_info = NULL;
    if (!ok(env, get_info(s->session, i, &type_info))) return NULL;
    types[i] = 0;
    napi_value item = describe(env, names[i], type_info, &types[i]);
    API(API_RELEASE_TYPE_INFO, fn_release)(type_info);
    if (item == NULL) return NULL;
    napi_set_element(env, list, (uint32_t)i, item);
  }
  return list;
}

static napi_value create_session(napi_env env, napi_callback_info info) {
  const char *usage = "ortCreateSession(bytes: Uint8Array, threads: number, arena: boolean, config: string[] of keys and values)";
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (api == NULL) {
    napi_throw_error(env, "EORTLIB", "ortCreateSession: call ortOpen first");
    return NULL;
  }
  void *bytes = NULL;
  size_t length = 0;
  int32_t threads = 0;
  bool arena = false, is_array = false;
  uint32_t entries = 0;
  if (argc < 4 || !murmur_typed_argument(env, argv[0], napi_uint8_array, usage, &bytes, &length)) {
    if (argc < 4) napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  if (napi_get_value_int32(env, argv[1], &threads) != napi_ok || threads < 1 || napi_get_value_bool(env, argv[2], &arena) != napi_ok ||
      napi_is_array(env, argv[3], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[3], &entries) != napi_ok || entries % 2 != 0) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  OrtObject *options = NULL;
  if (!ok(env, API(API_CREATE_SESSION_OPTIONS, OrtStatus *(*)(OrtObject **))(&options))) return NULL;
  /* As session.ts sets them for onnxruntime-node: every optimisation, sequential, one thread
     between nodes, errors only in the log; the config entries (the bytes used in place,
     pre-packing) come from session.ts too. */
  int set = ok(env, API(API_SET_INTRA_OP_NUM_THREADS, fn_status_pi)(options, threads)) &&
            ok(env, API(API_SET_INTER_OP_NUM_THREADS, fn_status_pi)(options, 1)) &&
            ok(env, API(API_SET_SESSION_EXECUTION_MODE, fn_status_pi)(options, 0)) &&
            ok(env, API(API_SET_SESSION_GRAPH_OPTIMIZATION_LEVEL, fn_status_pi)(options, 99)) &&
            ok(env, API(API_SET_SESSION_LOG_SEVERITY_LEVEL, fn_status_pi)(options, 3)) &&
            ok(env, API(arena ? API_ENABLE_CPU_MEM_ARENA : API_DISABLE_CPU_MEM_ARENA, fn_status_p)(options));
  for (uint32_t i = 0; set && i < entries; i += 2) {
    napi_value key_value, value_value;
    char *key = NULL, *value = NULL;
    if (napi_get_element(env, argv[3], i, &key_value) == napi_ok && napi_get_element(env, argv[3], i + 1, &value_value) == napi_ok) {
      key = murmur_string_argument(env, key_value, usage);
      value = key == NULL ? NULL : murmur_string_argument(env, value_value, usage);
    }
    set = value != NULL && ok(env, API(API_ADD_SESSION_CONFIG_ENTRY, fn_status_pss)(options, key, value));
    murmur_free(key);
    murmur_free(value);
  }
  Session *s = NULL;
  if (set) {
    s = (Session *)murmur_alloc(sizeof *s);
    if (s == NULL) napi_throw_error(env, "EORT", "ortCreateSession: out of memory");
  }
  if (s != NULL) {
    s->session = NULL;
    s->bytes = NULL;
    s->inputs = s->outputs = 0;
    s->input_names = s->output_names = NULL;
    s->input_types = s->output_types = NULL;
    s->run_inputs = s->run_outputs = NULL;
    s->run_given = NULL;
    set = ok(env, API(API_CREATE_SESSION_FROM_ARRAY, OrtStatus *(*)(const OrtObject *, const void *, size_t, const OrtObject *, OrtObject **))(
                      ort_env, bytes, length, options, &s->session));
  }
  API(API_RELEASE_SESSION_OPTIONS, fn_release)(options);
  if (s == NULL || !set) {
    murmur_free(s);
    return NULL;
  }
  /* From here on the external owns the session: a failure below leaves it to the collector. */
  napi_value handle;
  if (napi_create_external(env, s, finalize_session, NULL, &handle) != napi_ok) {
    release_session(env, s);
    murmur_free(s);
    return NULL;
  }
  napi_create_reference(env, argv[0], 1, &s->bytes);
  size_t inputs = 0, outputs = 0;
  if (!ok(env, API(API_SESSION_GET_INPUT_COUNT, OrtStatus *(*)(const OrtObject *, size_t *))(s->session, &inputs)) ||
      !ok(env, API(API_SESSION_GET_OUTPUT_COUNT, OrtStatus *(*)(const OrtObject *, size_t *))(s->session, &outputs))) return NULL;
  s->input_names = (char **)murmur_alloc((inputs + 1) * sizeof(char *));
  s->output_names = (char **)murmur_alloc((outputs + 1) * sizeof(char *));
  s->input_types = (int *)murmur_alloc((inputs + 1) * sizeof(int));
  s->output_types = (int *)murmur_alloc((outputs + 1) * sizeof(int));
  s->run_inputs = (OrtObject **)murmur_alloc((inputs + 1) * sizeof(OrtObject *));
  s->run_outputs = (OrtObject **)murmur_alloc((outputs + 1) * sizeof(OrtObject *));
  s->run_given = (int *)murmur_alloc((outputs + 1) * sizeof(int));
  if (s->input_names == NULL || s->output_names == NULL || s->input_types == NULL || s->output_types == NULL || s->run_inputs == NULL ||
      s->run_outputs == NULL || s->run_given == NULL) {
    napi_throw_error(env, "EORT", "ortCreateSession: out of memory");
    return NULL;
  }
  for (size_t i = 0; i < inputs; i++) s->input_names[i] = NULL;
  for (size_t i = 0; i < outputs; i++) s->output_names[i] = NULL;
  /* Counted as they are filled, so release_session frees exactly the names that exist. */
  s->inputs = inputs;
  s->outputs = outputs;
  napi_value input_list = list_values(env, s, inputs, s->input_names, s->input_types, API(API_SESSION_GET_INPUT_NAME, fn_get_name), API(API_SESSION_GET_INPUT_TYPE_INFO, fn_get_type_info));
  if (input_list == NULL) return NULL;
  napi_value output_list = list_values(env, s, outputs, s->output_names, s->output_types, API(API_SESSION_GET_OUTPUT_NAME, fn_get_name), API(API_SESSION_GET_OUTPUT_TYPE_INFO, fn_get_type_info));
  if (output_list == NULL) return NULL;
  napi_value result;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "session", handle);
  napi_set_named_property(env, result, "inputs", input_list);
  napi_set_named_property(env, result, "outputs", output_list);
  return result;
}

/* The session behind a handle, or NULL after throwing. */
static Session *session_argument(napi_env env, napi_value value, const char *who) {
  napi_valuetype type;
  Session *s = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external || napi_get_value_external(env, value, (void **)&s) != napi_ok || s == NULL) {
    napi_throw_type_error(env, NULL, who);
    return NULL;
  }
  if (s->session == NULL) {
    napi_throw_error(env, "EORT", "the session was released");
    return NULL;
  }
  return s;
}

static int element_of(napi_typedarray_type type, int *element, size_t *size) {
  switch (type) {
    case napi_float32_array: *element = ONNX_FLOAT; *size = 4; return 1;
    case napi_bigint64_array: *element = ONNX_INT64; *size = 8; return 1;
    case napi_int32_array: *element = ONNX_INT32; *size = 4; return 1;
    case napi_uint8_array: *element = ONNX_UINT8; *size = 1; return 1;
    case napi_int8_array: *element = ONNX_INT8; *size = 1; return 1;
    case napi_float64_array: *element = ONNX_DOUBLE; *size = 8; return 1;
    default: return 0;
  }
}

/* The dims array `value` into dims; its length, or -1 after throwing. */
static int dims_argument(napi_env env, napi_value value, int64_t *dims) {
  bool is_array = false;
  uint32_t count = 0;
  if (napi_is_array(env, value, &is_array) != napi_ok || !is_array || napi_get_array_length(env, value, &count) != napi_ok || count > MAX_DIMS) {
    napi_throw_type_error(env, NULL, "ortRun: every dims must be an array of at most 8 whole numbers");
    return -1;
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    double d = -1;
    if (napi_get_element(env, value, i, &item) != napi_ok || napi_get_value_double(env, item, &d) != napi_ok || !(d >= 0) || d > 9007199254740991.0 || d != (double)(int64_t)d) {
      napi_throw_type_error(env, NULL, "ortRun: every dims must be an array of at most 8 whole numbers");
      return -1;
    }
    dims[i] = (int64_t)d;
  }
  return (int)count;
}

/* One OrtValue over the typed array `data` shaped by `dims`, for a model value of element type
   `expected`; 0 after throwing. */
static int wrap_value(napi_env env, napi_value data, napi_value dims_value, int expected, OrtObject **out) {
  bool is_typed = false;
  napi_typedarray_type type;
  size_t count = 0;
  void *bytes = NULL;
  int element = 0;
  size_t size = 0;
  if (napi_is_typedarray(env, data, &is_typed) != napi_ok || !is_typed || napi_get_typedarray_info(env, data, &type, &count, &bytes, NULL, NULL) != napi_ok ||
      !element_of(type, &element, &size)) {
    napi_throw_type_error(env, NULL, "ortRun: tensors must be Float32Array, BigInt64Array, Int32Array, Uint8Array, Int8Array or Float64Array");
    return 0;
  }
  /* JS has no bool array: a Uint8Array stands for a bool tensor where the model wants one. */
  if (element == ONNX_UINT8 && expected == ONNX_BOOL) element = ONNX_BOOL;
  int64_t dims[MAX_DIMS];
  int rank = dims_argument(env, dims_value, dims);
  if (rank < 0) return 0;
  uint64_t elements = 1;
  for (int i = 0; i < rank; i++) elements *= (uint64_t)dims[i];
  if (elements != count) {
    napi_throw_range_error(env, NULL, "ortRun: a tensor's length is not the product of its dims");
    return 0;
  }
  /* An empty typed array may have no buffer address; onnxruntime wants one all the same. */
  static uint64_t empty;
  return ok(env, API(API_CREATE_TENSOR_WITH_DATA_AS_ORT_VALUE, OrtStatus *(*)(const OrtObject *, void *, size_t, const int64_t *, size_t, int, OrtObject **))(
                     cpu_memory, bytes != NULL ? bytes : &empty, count * size, dims, (size_t)rank, element, out));
}

/* A JS copy of an output onnxruntime allocated: [data, dims, ONNX element type]; NULL after throwing. */
static napi_value copy_out(napi_env env, OrtObject *value) {
  OrtObject *shape = NULL;
  if (!ok(env, API(API_GET_TENSOR_TYPE_AND_SHAPE, OrtStatus *(*)(const OrtObject *, OrtObject **))(value, &shape))) return NULL;
  int element = 0;
  size_t rank = 0;
  int64_t dims[MAX_DIMS];
  int good = read_shape(env, shape, &element, &rank, dims);
  API(API_RELEASE_TENSOR_TYPE_AND_SHAPE_INFO, fn_release)(shape);
  if (!good) return NULL;
  napi_typedarray_type type;
  size_t size;
  switch (element) {
    case ONNX_FLOAT: type = napi_float32_array; size = 4; break;
    case ONNX_INT64: type = napi_bigint64_array; size = 8; break;
    case ONNX_INT32: type = napi_int32_array; size = 4; break;
    case ONNX_UINT8: case ONNX_BOOL: type = napi_uint8_array; size = 1; break;
    case ONNX_INT8: type = napi_int8_array; size = 1; break;
    case ONNX_DOUBLE: type = napi_float64_array; size = 8; break;
    default: napi_throw_type_error(env, NULL, "ortRun: an output has an element type Murmur does not read"); return NULL;
  }
  size_t count = 1;
  for (size_t i = 0; i < rank; i++) count *= (size_t)dims[i];
  void *source = NULL;
  if (count > 0 && !ok(env, API(API_GET_TENSOR_MUTABLE_DATA, OrtStatus *(*)(OrtObject *, void **))(value, &source))) return NULL;
  napi_value buffer, array, item, triple;
  void *target = NULL;
  if (napi_create_arraybuffer(env, count * size, &target, &buffer) != napi_ok ||
      napi_create_typedarray(env, type, count, buffer, 0, &array) != napi_ok) return NULL;
  for (size_t i = 0; i < count * size; i++) ((uint8_t *)target)[i] = ((const uint8_t *)source)[i];
  napi_create_int32(env, element, &item);
  napi_create_array_with_length(env, 3, &triple);
  napi_set_element(env, triple, 0, array);
  napi_set_element(env, triple, 1, dims_array(env, dims, rank));
  napi_set_element(env, triple, 2, item);
  return triple;
}

/* The argument at `value` as an array of exactly `count` items; 0 after throwing. */
static int list_argument(napi_env env, napi_value value, size_t count, const char *usage) {
  bool is_array = false;
  uint32_t length = 0;
  if (napi_is_array(env, value, &is_array) != napi_ok || !is_array || napi_get_array_length(env, value, &length) != napi_ok || length != count) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

static napi_value run(napi_env env, napi_callback_info info) {
  const char *usage = "ortRun(session, inputs, inputDims, outputs, outputDims): one entry per input and per output of the session, in its order";
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 5) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  Session *s = session_argument(env, argv[0], usage);
  if (s == NULL) return NULL;
  if (!list_argument(env, argv[1], s->inputs, usage) || !list_argument(env, argv[2], s->inputs, usage) ||
      !list_argument(env, argv[3], s->outputs, usage) || !list_argument(env, argv[4], s->outputs, usage)) return NULL;
  OrtObject **inputs = s->run_inputs;
  OrtObject **outputs = s->run_outputs;
  int *given = s->run_given;
  for (size_t i = 0; i < s->inputs; i++) inputs[i] = NULL;
  for (size_t i = 0; i < s->outputs; i++) outputs[i] = NULL;
  int good = 1;
  for (size_t i = 0; good && i < s->inputs; i++) {
    napi_value data, dims;
    good = napi_get_element(env, argv[1], (uint32_t)i, &data) == napi_ok && napi_get_element(env, argv[2], (uint32_t)i, &dims) == napi_ok &&
           wrap_value(env, data, dims, s->input_types[i], &inputs[i]);
  }
  for (size_t i = 0; good && i < s->outputs; i++) {
    napi_value data, dims;
    napi_valuetype type = napi_null;
    good = napi_get_element(env, argv[3], (uint32_t)i, &data) == napi_ok && napi_get_element(env, argv[4], (uint32_t)i, &dims) == napi_ok &&
           napi_typeof(env, data, &type) == napi_ok;
    given[i] = good && type != napi_null && type != napi_undefined;
    if (good && given[i]) good = wrap_value(env, data, dims, s->output_types[i], &outputs[i]);
  }
  if (good) {
    good = ok(env, API(API_RUN, OrtStatus *(*)(OrtObject *, const OrtObject *, const char *const *, const OrtObject *const *, size_t, const char *const *, size_t, OrtObject **))(
                      s->session, NULL, (const char *const *)s->input_names, (const OrtObject *const *)inputs, s->inputs,
                      (const char *const *)s->output_names, s->outputs, outputs));
  }
  napi_value result = NULL;
  int allocated = 0;
  for (size_t i = 0; good && i < s->outputs; i++) allocated |= !given[i];
  if (good && !allocated) napi_get_undefined(env, &result);
  if (good && allocated) {
    napi_create_array_with_length(env, s->outputs, &result);
    for (size_t i = 0; result != NULL && i < s->outputs; i++) {
      if (given[i]) continue;
      napi_value triple = copy_out(env, outputs[i]);
      if (triple == NULL) result = NULL;
      else napi_set_element(env, result, (uint32_t)i, triple);
    }
  }
  for (size_t i = 0; i < s->inputs; i++) if (inputs[i] != NULL) API(API_RELEASE_VALUE, fn_release)(inputs[i]);
  for (size_t i = 0; i < s->outputs; i++) if (outputs[i] != NULL) API(API_RELEASE_VALUE, fn_release)(outputs[i]);
  return result;
}

static napi_value release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_valuetype type;
  Session *s = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_typeof(env, argv[0], &type) != napi_ok || type != napi_external || napi_get_value_external(env, argv[0], (void **)&s) != napi_ok) {
    napi_throw_type_error(env, NULL, "ortRelease(session)");
    return NULL;
  }
  if (s != NULL) release_session(env, s);
  return NULL;
}

void murmur_ort_run_register(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } functions[] = {{"ortOpen", open_library}, {"ortCreateSession", create_session}, {"ortRun", run}, {"ortRelease", release}};
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    napi_value fn;
    napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL, &fn);
    napi_set_named_property(env, exports, functions[i].name, fn);
  }
}
