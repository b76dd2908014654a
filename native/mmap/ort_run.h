/*
 * ort_run.c's entry point, and the argument helpers it shares with murmur_mmap.c (defined there).
 */
#ifndef MURMUR_ORT_RUN_H
#define MURMUR_ORT_RUN_H

#include "platform.h"

#include <stdbool.h>

/* Adds ortOpen, ortCreateSession, ortRun and ortRelease to the module's exports. */
void murmur_ort_run_register(napi_env env, napi_value exports);

/* A non-empty string argument as UTF-8 on the C heap (murmur_free it), or NULL after throwing a
   TypeError with `usage`. A NUL inside the string is refused, as Node's fs does: C would silently
   open a shorter path. */
char *murmur_string_argument(napi_env env, napi_value value, const char *usage);

/* A typed array of the given type: its data and element count; 0 after throwing a TypeError. */
int murmur_typed_argument(napi_env env, napi_value value, napi_typedarray_type want, const char *usage, void **data,
                          size_t *count);

/* Throws "<step> <path>: <reason>" with `code` (ENOENT instead when failure->missing). */
void murmur_throw_failure(napi_env env, const char *code, const char *path, const murmur_failure *failure);

#endif
