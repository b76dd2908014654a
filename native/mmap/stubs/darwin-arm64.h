/*
 * The part of macOS's C library that platform_posix.c uses, for cross-compiling the darwin-arm64
 * prebuild without Apple's SDK (none can be installed here). Values and layouts are those of
 * macOS 11+ on arm64 (where struct stat always has 64-bit inodes and the symbols carry no $INODE64
 * or $UNIX2003 suffix); stubs/libSystem.tbd lists the same functions for the linker.
 */
#ifndef MURMUR_STUBS_DARWIN_ARM64_H
#define MURMUR_STUBS_DARWIN_ARM64_H

#include <stddef.h>
#include <stdint.h>

#if !defined(__APPLE__) || !defined(__aarch64__)
#error "stubs/darwin-arm64.h describes macOS on arm64 only"
#endif

#define O_RDONLY 0x0000
#define O_NONBLOCK 0x0004
#define O_CLOEXEC 0x01000000
#define PROT_READ 0x01
#define MAP_SHARED 0x0001
#define MAP_FAILED ((void *)-1)
#define ENOENT 2
#define S_IFMT 0170000
#define S_IFREG 0100000
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)

struct timespec {
  int64_t tv_sec;
  long tv_nsec;
};

struct stat {
  int32_t st_dev;
  uint16_t st_mode;
  uint16_t st_nlink;
  uint64_t st_ino;
  uint32_t st_uid;
  uint32_t st_gid;
  int32_t st_rdev;
  struct timespec st_atimespec;
  struct timespec st_mtimespec;
  struct timespec st_ctimespec;
  struct timespec st_birthtimespec;
  int64_t st_size;
  int64_t st_blocks;
  int32_t st_blksize;
  uint32_t st_flags;
  uint32_t st_gen;
  int32_t st_lspare;
  int64_t st_qspare[2];
};
_Static_assert(offsetof(struct stat, st_size) == 96, "macOS arm64 struct stat: st_size at 96");
_Static_assert(sizeof(struct stat) == 144, "macOS arm64 struct stat is 144 bytes");

#define RTLD_NOW 0x2
#define RTLD_LOCAL 0x4
void *dlopen(const char *path, int mode);
void *dlsym(void *handle, const char *symbol);
char *dlerror(void);

int open(const char *path, int flags, ...);
int close(int fd);
int fstat(int fd, struct stat *st);
void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset);
int munmap(void *addr, size_t length);
int *__error(void);
#define errno (*__error())
char *strerror(int err);
void *malloc(size_t size);
void free(void *p);
size_t malloc_zone_pressure_relief(void *zone, size_t goal);

#endif
