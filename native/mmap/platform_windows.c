/*
 * Windows: CreateFileW + CreateFileMappingW + MapViewOfFile, UnmapViewOfFile in the ArrayBuffer's
 * finalizer.
 *
 * The path goes to CreateFileW as UTF-16 taken straight from the JS string
 * (napi_get_value_string_utf16), so a profile folder with spaces or non-ASCII letters works, and no
 * ANSI code page is involved anywhere. mmap.ts passes an absolute \\?\ path
 * (path.toNamespacedPath, what Node's fs does), so MAX_PATH does not apply either.
 *
 * No C runtime and no Windows SDK: the win32-arm64 prebuild is built with clang + lld-link alone,
 * so the handful of Win32 declarations used are written out here (64-bit Windows only: DWORD is
 * 32 bits, pointers 64). stubs/kernel32.def lists the same functions for llvm-dlltool.
 */
#include "platform.h"

#include <stdint.h>

#if !defined(_WIN64)
#error "platform_windows.c is written for 64-bit Windows"
#endif

typedef void *HANDLE;
typedef uint32_t DWORD;
typedef int BOOL;
typedef uint16_t WCHAR;
#define WINAPI __stdcall
#define KERNEL32 __declspec(dllimport)
#define INVALID_HANDLE_VALUE ((HANDLE)(intptr_t)-1)
#define GENERIC_READ 0x80000000u
#define FILE_SHARE_READ 0x1u
#define FILE_SHARE_WRITE 0x2u
#define FILE_SHARE_DELETE 0x4u
#define OPEN_EXISTING 3u
#define FILE_ATTRIBUTE_NORMAL 0x80u
#define FILE_TYPE_DISK 1u
#define PAGE_READONLY 0x02u
#define FILE_MAP_READ 0x0004u
#define ERROR_FILE_NOT_FOUND 2u
#define ERROR_PATH_NOT_FOUND 3u
#define FORMAT_MESSAGE_IGNORE_INSERTS 0x200u
#define FORMAT_MESSAGE_FROM_SYSTEM 0x1000u
#define CP_UTF8 65001u
#define LOAD_WITH_ALTERED_SEARCH_PATH 0x8u

KERNEL32 HANDLE WINAPI CreateFileW(const WCHAR *name, DWORD access, DWORD share, void *security,
                                   DWORD disposition, DWORD flags, HANDLE template_file);
KERNEL32 DWORD WINAPI GetFileType(HANDLE file);
KERNEL32 BOOL WINAPI GetFileSizeEx(HANDLE file, int64_t *size);
KERNEL32 HANDLE WINAPI CreateFileMappingW(HANDLE file, void *security, DWORD protect, DWORD size_high,
                                          DWORD size_low, const WCHAR *name);
KERNEL32 void *WINAPI MapViewOfFile(HANDLE mapping, DWORD access, DWORD offset_high, DWORD offset_low,
                                    size_t length);
KERNEL32 BOOL WINAPI UnmapViewOfFile(const void *view);
KERNEL32 BOOL WINAPI CloseHandle(HANDLE handle);
KERNEL32 DWORD WINAPI GetLastError(void);
KERNEL32 DWORD WINAPI FormatMessageW(DWORD flags, const void *source, DWORD message, DWORD language,
                                     WCHAR *buffer, DWORD size, void *arguments);
KERNEL32 int WINAPI WideCharToMultiByte(unsigned code_page, DWORD flags, const WCHAR *wide, int wide_length,
                                        char *utf8, int utf8_length, const char *default_char,
                                        BOOL *used_default);
KERNEL32 void *WINAPI LoadLibraryExW(const WCHAR *name, HANDLE reserved, DWORD flags);
KERNEL32 void *WINAPI GetProcAddress(void *module, const char *name);
KERNEL32 HANDLE WINAPI GetProcessHeap(void);
KERNEL32 void *WINAPI HeapAlloc(HANDLE heap, DWORD flags, size_t size);
KERNEL32 BOOL WINAPI HeapFree(HANDLE heap, DWORD flags, void *p);

/* In host_napi_windows.c. */
int murmur_resolve_host_napi(void);

int murmur_platform_init(void) { return murmur_resolve_host_napi(); }

void *murmur_alloc(size_t size) { return HeapAlloc(GetProcessHeap(), 0, size); }

void murmur_free(void *p) {
  if (p != NULL) HeapFree(GetProcessHeap(), 0, p);
}

/* The system's message for a Win32 error, in the user's language, as UTF-8. */
static int fail(murmur_failure *failure, const char *step, DWORD err) {
  failure->step = step;
  failure->missing = err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND;
  WCHAR wide[256];
  DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err, 0, wide,
                           sizeof wide / sizeof wide[0], NULL);
  while (n > 0 && (wide[n - 1] == '\r' || wide[n - 1] == '\n' || wide[n - 1] == ' ' || wide[n - 1] == '.')) n--;
  int bytes = n > 0 ? WideCharToMultiByte(CP_UTF8, 0, wide, (int)n, failure->reason,
                                          (int)sizeof failure->reason - 1, NULL, NULL)
                    : 0;
  if (bytes > 0) {
    failure->reason[bytes] = '\0';
    return 0;
  }
  /* No message (or it did not fit): the number, which a search finds. */
  char digits[12];
  int d = 0;
  do {
    digits[d++] = (char)('0' + err % 10);
    err /= 10;
  } while (err > 0);
  size_t at = murmur_copy_utf8(failure->reason, sizeof failure->reason, 0, "Windows error ");
  while (d > 0 && at + 1 < sizeof failure->reason) failure->reason[at++] = digits[--d];
  failure->reason[at] = '\0';
  return 0;
}

static int refuse(murmur_failure *failure, const char *reason) {
  failure->step = "cannot map";
  failure->missing = 0;
  murmur_copy_utf8(failure->reason, sizeof failure->reason, 0, reason);
  return 0;
}

int murmur_map(napi_env env, napi_value js_path, const char *utf8_path, void **addr, size_t *length,
               murmur_failure *failure) {
  (void)utf8_path;
  size_t units = 0;
  if (napi_get_value_string_utf16(env, js_path, NULL, 0, &units) != napi_ok) return refuse(failure, "path is not a string");
  WCHAR *wide_path = (WCHAR *)murmur_alloc((units + 1) * sizeof(WCHAR));
  if (wide_path == NULL) return refuse(failure, "out of memory");
  napi_get_value_string_utf16(env, js_path, (char16_t *)wide_path, units + 1, &units);
  /* Share read, write and delete, as libuv does for Node's fs: the addon never refuses a file that
     fs.readFileSync would read, and the name can be renamed or deleted while it is mapped. */
  HANDLE file = CreateFileW(wide_path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                            OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  DWORD err = GetLastError();
  murmur_free(wide_path);
  if (file == INVALID_HANDLE_VALUE) return fail(failure, "cannot open", err);
  int64_t size = 0;
  if (GetFileType(file) != FILE_TYPE_DISK) {
    CloseHandle(file);
    return refuse(failure, "not a regular file");
  }
  if (!GetFileSizeEx(file, &size)) {
    err = GetLastError();
    CloseHandle(file);
    return fail(failure, "cannot stat", err);
  }
  *addr = NULL;
  *length = 0;
  if (size == 0) {
    /* CreateFileMappingW refuses an empty file (ERROR_FILE_INVALID). */
    CloseHandle(file);
    return 1;
  }
  HANDLE mapping = CreateFileMappingW(file, NULL, PAGE_READONLY, 0, 0, NULL);
  err = GetLastError();
  CloseHandle(file); /* the mapping object keeps the file open */
  if (mapping == NULL) return fail(failure, "cannot map", err);
  void *view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
  err = GetLastError();
  CloseHandle(mapping); /* the view keeps the mapping object alive */
  if (view == NULL) return fail(failure, "cannot map", err);
  *addr = view;
  *length = (size_t)size;
  return 1;
}

void murmur_unmap(void *addr, size_t length) {
  (void)length;
  UnmapViewOfFile(addr);
}

/*
 * Windows has no equivalent, so false. HeapCompact(GetProcessHeap(), 0) looks like one but is not:
 * it returns the size of the largest free block and compacts nothing unless the debugging flag
 * "disable heap coalesce on free" is set, because the heap already coalesces on every HeapFree and
 * decommits large free ranges by itself (the trouble glibc's malloc_trim fixes does not arise).
 */
int murmur_trim_heap(void) { return 0; }

void *murmur_library_symbol(napi_env env, napi_value js_path, const char *utf8_path, const char *symbol,
                            murmur_failure *failure) {
  (void)utf8_path;
  size_t units = 0;
  if (napi_get_value_string_utf16(env, js_path, NULL, 0, &units) != napi_ok) {
    refuse(failure, "path is not a string");
    failure->step = "cannot load";
    return NULL;
  }
  WCHAR *wide_path = (WCHAR *)murmur_alloc((units + 1) * sizeof(WCHAR));
  if (wide_path == NULL) {
    refuse(failure, "out of memory");
    failure->step = "cannot load";
    return NULL;
  }
  napi_get_value_string_utf16(env, js_path, (char16_t *)wide_path, units + 1, &units);
  /* The altered search path finds the library's own dependencies beside it, as onnxruntime-node's
     loading did; a library already loaded from this path is the same module. */
  void *library = LoadLibraryExW(wide_path, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
  DWORD err = GetLastError();
  murmur_free(wide_path);
  if (library == NULL) {
    fail(failure, "cannot load", err);
    return NULL;
  }
  void *address = GetProcAddress(library, symbol);
  if (address == NULL) fail(failure, "no entry point in", GetLastError());
  return address;
}
