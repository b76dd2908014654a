/*
 * murmur_mmap: map a file read-only and hand it to JavaScript as an external ArrayBuffer.
 *
 * Why: onnxruntime keeps an ORT-format model's weights inside the caller's buffer when
 * `session.use_ort_model_bytes_directly=1` and `session.use_ort_model_bytes_for_initializers=1`.
 * If that buffer is a shared, read-only file mapping, every process that loads the same model
 * shares the weight pages through the page cache instead of holding a private copy.
 *
 * N-API only (no NAN, no node-addon-api) so one binary loads in Node 20+ and in Electron's Node
 * (ELECTRON_RUN_AS_NODE=1). The mapping lives until the ArrayBuffer is garbage collected.
 *
 * This file is the JS interface, identical on every platform; platform.h says what each operating
 * system supplies. It calls no C library function (the Windows prebuilds have no C runtime), so
 * messages are put together by hand.
 *
 *   mapFile(path: string): ArrayBuffer   throws Error with code 'ENOENT' (missing file),
 *                                        'EMMAP' (any other failure) or 'EEXTERNAL' (the runtime
 *                                        refuses external buffers); an empty file gives an empty
 *                                        ArrayBuffer (nothing is mapped)
 *   trimHeap(): boolean                  true when free C-heap memory went back to the system
 *   projectInt8(x: Float32Array, table: Uint8Array, out: Float32Array, kIn: number,
 *               zeroPoint: number, scale: number): undefined
 *                                        every row of x (kIn values each) times a uint8 weight
 *                                        stored k-major (kIn rows of nOut = table.length / kIn),
 *                                        into out (rows x nOut); project_int8.c says how exactly.
 *                                        Throws TypeError or RangeError on inconsistent arguments.
 */
#include "ort_run.h"
#include "platform.h"
#include "project_int8.h"

#include <stdint.h>

size_t murmur_copy_utf8(char *dst, size_t cap, size_t at, const char *src) {
  size_t start = at;
  while (*src != '\0' && at + 1 < cap) dst[at++] = *src++;
  /* Cut short in the middle of a character: drop what was copied of it, so the message stays
     valid UTF-8. */
  if (*src != '\0') {
    size_t last = at;
    while (last > start && ((unsigned char)dst[last - 1] & 0xC0) == 0x80) last--;
    if (last > start) {
      unsigned char lead = (unsigned char)dst[last - 1];
      size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
      if (at - (last - 1) < need) at = last - 1;
    }
  }
  dst[at] = '\0';
  return at;
}

void murmur_throw_failure(napi_env env, const char *code, const char *path, const murmur_failure *failure) {
  char message[1024];
  char shown[640];
  murmur_copy_utf8(shown, sizeof shown, 0, path);
  size_t n = murmur_copy_utf8(message, sizeof message, 0, failure->step);
  n = murmur_copy_utf8(message, sizeof message, n, " ");
  n = murmur_copy_utf8(message, sizeof message, n, shown);
  n = murmur_copy_utf8(message, sizeof message, n, ": ");
  murmur_copy_utf8(message, sizeof message, n, failure->reason);
  napi_value code_value, text, error;
  napi_create_string_utf8(env, failure->missing ? "ENOENT" : code, NAPI_AUTO_LENGTH, &code_value);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code_value, text, &error);
  napi_throw(env, error);
}

char *murmur_string_argument(napi_env env, napi_value value, const char *usage) {
  napi_valuetype type;
  size_t length = 0;
  if (value == NULL || napi_typeof(env, value, &type) != napi_ok || type != napi_string ||
      napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok || length == 0) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  char *path = (char *)murmur_alloc(length + 1);
  if (path == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  size_t copied = 0;
  napi_get_value_string_utf8(env, value, path, length + 1, &copied);
  for (size_t i = 0; i < copied; i++) {
    if (path[i] == '\0') copied = 0;
  }
  if (copied != length) {
    murmur_free(path);
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  return path;
}

static void finalize_mapping(napi_env env, void *data, void *hint) {
  (void)env;
  /* The hint carries the length, so nothing is allocated per mapping. */
  murmur_unmap(data, (size_t)(uintptr_t)hint);
}

static napi_value map_file(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "mapFile(path) needs a path");
    return NULL;
  }
  char *path = murmur_string_argument(env, argv[0], "mapFile(path): path must be a non-empty string without NUL characters");
  if (path == NULL) return NULL;
  void *addr = NULL;
  size_t length = 0;
  murmur_failure failure;
  failure.step = "cannot map";
  failure.missing = 0;
  failure.reason[0] = '\0';
  int mapped = murmur_map(env, argv[0], path, &addr, &length, &failure);
  if (!mapped) murmur_throw_failure(env, "EMMAP", path, &failure);
  murmur_free(path);
  if (!mapped) return NULL;

  napi_value buffer;
  if (length == 0) {
    /* An empty file reads as empty, as fs.readFileSync has it; no mapping to keep alive. */
    if (napi_create_arraybuffer(env, 0, NULL, &buffer) != napi_ok) return NULL;
    return buffer;
  }
  if (napi_create_external_arraybuffer(env, addr, length, finalize_mapping, (void *)(uintptr_t)length,
                                       &buffer) != napi_ok) {
    /* Some runtimes (Electron with the V8 sandbox) refuse external buffers: report it so the
       caller can fall back to reading the file. */
    murmur_unmap(addr, length);
    napi_throw_error(env, "EEXTERNAL", "this runtime does not allow external ArrayBuffers");
    return NULL;
  }
  return buffer;
}

/*
 * trimHeap(): hands the C heap's free memory back to the system. Loading an onnxruntime session
 * allocates and frees tens of MB of scratch (graph building, kernel set-up); glibc keeps those freed
 * pages, in every sidecar, as private memory the process never uses again. What each platform can
 * do is in murmur_trim_heap (platform_posix.c, platform_windows.c).
 */
static napi_value trim_heap(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_get_boolean(env, murmur_trim_heap() != 0, &result);
  return result;
}

int murmur_typed_argument(napi_env env, napi_value value, napi_typedarray_type want, const char *usage, void **data,
                          size_t *count) {
  bool is_typed = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, count, data, NULL, NULL) != napi_ok || type != want) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

static napi_value project_int8(napi_env env, napi_callback_info info) {
  const char *usage = "projectInt8(x: Float32Array, table: Uint8Array, out: Float32Array, kIn, zeroPoint, scale)";
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 6) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  size_t x_count = 0, table_count = 0, out_count = 0;
  void *x = NULL, *table = NULL, *out = NULL;
  if (!murmur_typed_argument(env, argv[0], napi_float32_array, usage, &x, &x_count) ||
      !murmur_typed_argument(env, argv[1], napi_uint8_array, usage, &table, &table_count) ||
      !murmur_typed_argument(env, argv[2], napi_float32_array, usage, &out, &out_count)) {
    return NULL;
  }
  uint32_t k_in = 0;
  double zero_point = 0, scale = 0;
  if (napi_get_value_uint32(env, argv[3], &k_in) != napi_ok || napi_get_value_double(env, argv[4], &zero_point) != napi_ok ||
      napi_get_value_double(env, argv[5], &scale) != napi_ok) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  if (k_in == 0 || table_count == 0 || x_count == 0 || table_count % k_in != 0 || x_count % k_in != 0) {
    napi_throw_range_error(env, NULL, "projectInt8: x and table must be non-empty whole rows of kIn values");
    return NULL;
  }
  size_t n_out = table_count / k_in;
  size_t rows = x_count / k_in;
  if (out_count != rows * n_out) {
    napi_throw_range_error(env, NULL, "projectInt8: out must hold (x.length / kIn) * (table.length / kIn) values");
    return NULL;
  }
  for (size_t r = 0; r < rows; r++) {
    murmur_project_int8((const float *)x + r * k_in, (const uint8_t *)table, k_in, n_out, (float)zero_point,
                        (float)scale, (float *)out + r * n_out);
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  /* Without Node-API (Windows: not found in the host executable) nothing can be called, not even a
     throw; the empty exports tell mmap.ts that the addon is unusable. */
  if (!murmur_platform_init()) return NULL;
  napi_value fn;
  napi_create_function(env, "mapFile", NAPI_AUTO_LENGTH, map_file, NULL, &fn);
  napi_set_named_property(env, exports, "mapFile", fn);
  napi_create_function(env, "trimHeap", NAPI_AUTO_LENGTH, trim_heap, NULL, &fn);
  napi_set_named_property(env, exports, "trimHeap", fn);
  napi_create_function(env, "projectInt8", NAPI_AUTO_LENGTH, project_int8, NULL, &fn);
  napi_set_named_property(env, exports, "projectInt8", fn);
  murmur_ort_run_register(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
