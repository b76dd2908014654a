/*
 * Linux and macOS: open + fstat (statx on new glibc, see file_info) + mmap(MAP_SHARED), munmap in
 * the ArrayBuffer's finalizer.
 *
 * The darwin-arm64 prebuild is cross-compiled without Apple's SDK: MURMUR_NO_SDK_DARWIN swaps the
 * system headers for stubs/darwin-arm64.h, which declares the few calls used here. Built on a Mac
 * (node-gyp), the real headers are used.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* statx, O_CLOEXEC */
#endif

#include "platform.h"

#include <stdint.h>

#ifdef MURMUR_NO_SDK_DARWIN
#include "stubs/darwin-arm64.h"
#else
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#ifdef __APPLE__
#include <malloc/malloc.h>
#endif
#endif

/*
 * glibc 2.34 moved dlopen, dlsym and dlerror from libdl into libc under a new version
 * (dlopen@GLIBC_2.34): a prebuild linked against it would not load on glibc 2.28-2.33. The
 * original versions stay in every glibc (in libdl.so.2 before 2.34, in libc since, with libdl.so.2
 * kept as an empty stub), so the prebuild binds those and lists libdl.so.2 as needed
 * (scripts/build-native.mjs).
 */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
#if defined(__x86_64__)
#define MURMUR_GLIBC_DL "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define MURMUR_GLIBC_DL "GLIBC_2.17"
#endif
#ifdef MURMUR_GLIBC_DL
__asm__(".symver dlopen,dlopen@" MURMUR_GLIBC_DL);
__asm__(".symver dlsym,dlsym@" MURMUR_GLIBC_DL);
__asm__(".symver dlerror,dlerror@" MURMUR_GLIBC_DL);
#endif
#endif

int murmur_platform_init(void) { return 1; }

void *murmur_alloc(size_t size) { return malloc(size); }

void murmur_free(void *p) { free(p); }

static int fail(murmur_failure *failure, const char *step, int err) {
  failure->step = step;
  failure->missing = err == ENOENT;
  murmur_copy_utf8(failure->reason, sizeof failure->reason, 0, strerror(err));
  return 0;
}

/*
 * Whether fd is a regular file, and its size. glibc 2.33 made fstat a symbol of its own
 * (fstat@GLIBC_2.33; before, <sys/stat.h> turned it into a call to __fxstat): a prebuild linked
 * against it would not load on glibc 2.28-2.32 (Debian 10, RHEL 8, Ubuntu 20.04), where VS Code
 * and onnxruntime-node 1.30 (which needs GLIBC_2.28) still run. statx is GLIBC_2.28.
 */
static int file_info(int fd, int *regular, uint64_t *size) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct statx st;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE, &st) != 0) return -1;
  *regular = S_ISREG(st.stx_mode);
  *size = st.stx_size;
#else
  struct stat st;
  if (fstat(fd, &st) != 0) return -1;
  *regular = S_ISREG(st.st_mode);
  *size = (uint64_t)st.st_size;
#endif
  return 0;
}

int murmur_map(napi_env env, napi_value js_path, const char *utf8_path, void **addr, size_t *length,
               murmur_failure *failure) {
  (void)env;
  (void)js_path;
  /* O_NONBLOCK: opening a FIFO must not hang the sidecar waiting for a writer; it is then refused
     below as not a regular file. No effect on regular files. */
  int fd = open(utf8_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fail(failure, "cannot open", errno);
  int regular = 0;
  uint64_t size = 0;
  if (file_info(fd, &regular, &size) != 0) {
    int err = errno;
    close(fd);
    return fail(failure, "cannot stat", err);
  }
  if (!regular || size > (uint64_t)SIZE_MAX) {
    close(fd);
    failure->step = "cannot map";
    failure->missing = 0;
    murmur_copy_utf8(failure->reason, sizeof failure->reason, 0,
                     regular ? "file too large for this process" : "not a regular file");
    return 0;
  }
  *addr = NULL;
  *length = 0;
  if (size == 0) {
    close(fd);
    return 1;
  }
  void *mapped = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
  int err = errno;
  close(fd); /* the mapping keeps the file alive */
  if (mapped == MAP_FAILED) return fail(failure, "cannot mmap", err);
  *addr = mapped;
  *length = (size_t)size;
  return 1;
}

void murmur_unmap(void *addr, size_t length) { munmap(addr, length); }

/*
 * glibc: malloc_trim(0) returns freed pages from every arena; 1 if any memory was released.
 * macOS: malloc_zone_pressure_relief(NULL, 0) asks every malloc zone to give back what it can and
 * returns the bytes released.
 * Elsewhere (musl, the BSDs): no such call; false.
 */
int murmur_trim_heap(void) {
#if defined(__GLIBC__)
  return malloc_trim(0) != 0;
#elif defined(__APPLE__)
  return malloc_zone_pressure_relief(NULL, 0) > 0;
#else
  return 0;
#endif
}

void *murmur_library_symbol(napi_env env, napi_value js_path, const char *utf8_path, const char *symbol,
                            murmur_failure *failure) {
  (void)env;
  (void)js_path;
  /* RTLD_LOCAL: the library's symbols stay out of the global namespace, as when onnxruntime-node
     loaded it; a library already loaded from this path is the same copy, not a second one. */
  void *library = dlopen(utf8_path, RTLD_NOW | RTLD_LOCAL);
  void *address = library == NULL ? NULL : dlsym(library, symbol);
  if (address == NULL) {
    const char *reason = dlerror();
    failure->step = library == NULL ? "cannot load" : "no entry point in";
    murmur_copy_utf8(failure->reason, sizeof failure->reason, 0, reason != NULL ? reason : "not found");
  }
  return address;
}
