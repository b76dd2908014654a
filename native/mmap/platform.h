/*
 * What each operating system provides to murmur_mmap.c (the N-API glue, the same everywhere):
 * platform_posix.c on Linux and macOS, platform_windows.c on Windows.
 */
#ifndef MURMUR_PLATFORM_H
#define MURMUR_PLATFORM_H

#include <node_api.h>
#include <stddef.h>

/* Why a map failed, in the system's own words. */
typedef struct {
  const char *step; /* what failed: "cannot open", "cannot map", ... */
  int missing;      /* the file (or a folder on its path) does not exist: code ENOENT in JS */
  char reason[256]; /* the system's message, UTF-8 */
} murmur_failure;

/* Runs first when the module loads; 0 when the addon cannot work in this process (then no
   Node-API function may be called: on Windows they are not resolved yet). */
int murmur_platform_init(void);

/* Maps the file named by js_path (a JS string; utf8_path is the same path in UTF-8) read-only and
   shared. Returns 1 with *addr and *length set, or 0 with *failure filled in. An empty file maps
   nothing (mapping 0 bytes is an error on Linux and Windows): *length is 0 and *addr NULL. */
int murmur_map(napi_env env, napi_value js_path, const char *utf8_path, void **addr, size_t *length,
               murmur_failure *failure);

/* Undoes a murmur_map of length bytes (never called for an empty file). */
void murmur_unmap(void *addr, size_t length);

/* Gives free C-heap memory back to the system where the platform has a call for it; 1 when some
   was released, 0 when none was or the platform has no such call. */
int murmur_trim_heap(void);

/* The address of `symbol` in the shared library at utf8_path (js_path: the same path as a JS
   string), which is loaded if it is not yet and never unloaded; NULL with *failure filled in. */
void *murmur_library_symbol(napi_env env, napi_value js_path, const char *utf8_path, const char *symbol,
                            murmur_failure *failure);

/* The C heap, without assuming a C runtime (the Windows builds have none). */
void *murmur_alloc(size_t size);
void murmur_free(void *p);

/* Copies src into dst (capacity cap, always terminated), cutting at a UTF-8 character boundary;
   returns the new length. In murmur_mmap.c; the platforms use it for their messages. */
size_t murmur_copy_utf8(char *dst, size_t cap, size_t at, const char *src);

#endif
