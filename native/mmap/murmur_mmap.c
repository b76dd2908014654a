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
 */
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

typedef struct {
  void *addr;
  size_t length;
} mapping_t;

static void throw_errno(napi_env env, const char *what, const char *path, int err) {
  char msg[4096 + 256];
  snprintf(msg, sizeof msg, "%s %s: %s", what, path, strerror(err));
  napi_value code, message, error;
  napi_create_string_utf8(env, err == ENOENT ? "ENOENT" : "EMMAP", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_throw(env, error);
}

static void finalize_mapping(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  mapping_t *m = (mapping_t *)hint;
  if (m != NULL) {
    munmap(m->addr, m->length);
    free(m);
  }
}

/* mapFile(path: string): ArrayBuffer  (read-only, MAP_SHARED) */
static napi_value map_file(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "mapFile(path) needs a path");
    return NULL;
  }
  char path[4096];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len == 0 ||
      len >= sizeof path - 1) {
    napi_throw_type_error(env, NULL, "mapFile(path): path must be a non-empty string");
    return NULL;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw_errno(env, "cannot open", path, errno);
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    throw_errno(env, "cannot stat", path, err);
    return NULL;
  }
  if (st.st_size <= 0) {
    close(fd);
    throw_errno(env, "cannot map empty file", path, EINVAL);
    return NULL;
  }
  size_t length = (size_t)st.st_size;
  void *addr = mmap(NULL, length, PROT_READ, MAP_SHARED, fd, 0);
  int err = errno;
  close(fd); /* the mapping keeps the file alive */
  if (addr == MAP_FAILED) {
    throw_errno(env, "cannot mmap", path, err);
    return NULL;
  }
  mapping_t *m = (mapping_t *)malloc(sizeof *m);
  if (m == NULL) {
    munmap(addr, length);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  m->addr = addr;
  m->length = length;
  napi_value buffer;
  napi_status status = napi_create_external_arraybuffer(env, addr, length, finalize_mapping, m, &buffer);
  if (status != napi_ok) {
    /* Some runtimes (Electron with the V8 sandbox) refuse external buffers: report it so the
       caller can fall back to reading the file. */
    munmap(addr, length);
    free(m);
    napi_throw_error(env, "EEXTERNAL", "this runtime does not allow external ArrayBuffers");
    return NULL;
  }
  return buffer;
}

/*
 * trimHeap(): hands the C heap's free memory back to the system (glibc's malloc_trim). Loading an
 * onnxruntime session allocates and frees tens of MB of scratch (graph building, kernel set-up);
 * glibc keeps those freed pages, in every sidecar, as private memory the process never uses again.
 * Returns true if memory was released, false if nothing was (or the C library has no malloc_trim).
 */
static napi_value trim_heap(napi_env env, napi_callback_info info) {
  (void)info;
  int released = 0;
#ifdef __GLIBC__
  released = malloc_trim(0);
#endif
  napi_value result;
  napi_get_boolean(env, released != 0, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "mapFile", NAPI_AUTO_LENGTH, map_file, NULL, &fn);
  napi_set_named_property(env, exports, "mapFile", fn);
  napi_create_function(env, "trimHeap", NAPI_AUTO_LENGTH, trim_heap, NULL, &fn);
  napi_set_named_property(env, exports, "trimHeap", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
