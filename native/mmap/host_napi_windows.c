/*
 * Windows: the Node-API functions come from the executable that loads the addon, found at load time.
 *
 * Why: an import of "node.exe" (what node.lib from node_api.def records) only resolves in a process
 * whose executable is node.exe. Murmur's sidecar runs in VS Code's Code.exe with
 * ELECTRON_RUN_AS_NODE=1, which exports the same functions under another name; node-gyp works
 * around this with a delay-load hook, which needs MSVC's delayimp.lib (absent here). Instead this
 * file supplies the import slots itself: node_api.h declares every napi_* function
 * __declspec(dllimport), so the compiler calls through a pointer named __imp_napi_*; those
 * pointers are defined below and filled from GetModuleHandleW(NULL) (node.exe or Code.exe alike)
 * before the module's init touches Node-API. The DLL then imports from KERNEL32.dll only.
 *
 * Every napi_* function the addon calls must be listed: a missing one fails the link
 * (undefined __imp_napi_...), never the user.
 */
#include <stddef.h>
#include <stdint.h>

typedef void *HMODULE;
typedef uint16_t WCHAR;
__declspec(dllimport) HMODULE __stdcall GetModuleHandleW(const WCHAR *name);
__declspec(dllimport) void *__stdcall GetProcAddress(HMODULE module, const char *name);

#define HOST_NAPI(X)                                                                                \
  X(napi_create_array_with_length)                                                                  \
  X(napi_create_arraybuffer)                                                                        \
  X(napi_create_double)                                                                             \
  X(napi_create_error)                                                                              \
  X(napi_create_external)                                                                           \
  X(napi_create_external_arraybuffer)                                                               \
  X(napi_create_function)                                                                           \
  X(napi_create_int32)                                                                              \
  X(napi_create_object)                                                                             \
  X(napi_create_reference)                                                                          \
  X(napi_create_string_utf8)                                                                        \
  X(napi_create_typedarray)                                                                         \
  X(napi_delete_reference)                                                                          \
  X(napi_get_array_length)                                                                          \
  X(napi_get_boolean)                                                                               \
  X(napi_get_cb_info)                                                                               \
  X(napi_get_element)                                                                               \
  X(napi_get_typedarray_info)                                                                       \
  X(napi_get_undefined)                                                                             \
  X(napi_get_value_bool)                                                                            \
  X(napi_get_value_double)                                                                          \
  X(napi_get_value_external)                                                                        \
  X(napi_get_value_int32)                                                                           \
  X(napi_get_value_string_utf16)                                                                    \
  X(napi_get_value_string_utf8)                                                                     \
  X(napi_get_value_uint32)                                                                          \
  X(napi_is_array)                                                                                  \
  X(napi_is_typedarray)                                                                             \
  X(napi_set_element)                                                                               \
  X(napi_set_named_property)                                                                        \
  X(napi_throw)                                                                                     \
  X(napi_throw_error)                                                                               \
  X(napi_throw_range_error)                                                                         \
  X(napi_throw_type_error)                                                                          \
  X(napi_typeof)

#define SLOT(name) void *__imp_##name;
HOST_NAPI(SLOT)

#define ENTRY(name) {#name, &__imp_##name},
static const struct {
  const char *name;
  void **slot;
} host_napi[] = {HOST_NAPI(ENTRY)};

int murmur_resolve_host_napi(void);

/* 1 when every function was found; 0 (nothing may be called) when the host lacks one. */
int murmur_resolve_host_napi(void) {
  HMODULE host = GetModuleHandleW(NULL);
  if (host == NULL) return 0;
  for (size_t i = 0; i < sizeof host_napi / sizeof host_napi[0]; i++) {
    void *fn = GetProcAddress(host, host_napi[i].name);
    if (fn == NULL) return 0;
    *host_napi[i].slot = fn;
  }
  return 1;
}
