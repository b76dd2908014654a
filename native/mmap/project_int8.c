/*
 * murmur_project_int8: see project_int8.h.
 *
 * Why this order of arithmetic: the result must be the logits onnxruntime computes today, bit for
 * bit, so that transcripts do not move. With weight pre-packing off (how Murmur maps models) a
 * one-row float MatMul runs MLAS's M=1 kernel (SgemmKernelM1Avx on x86-64): for each group of four
 * k it forms ((p0 + p1) + p2) + p3 from separately rounded products, then adds the group to the
 * running sum; a leftover pair, then a leftover single k, are added the same way. Each weight is the
 * float DequantizeLinear gives, ((float)q - zero_point) * scale, exact as written since q and the
 * zero point are bytes. Separate rounding of every product is why the build passes
 * -ffp-contract=off: a fused multiply-add would round once and give other sums.
 * test/unit/project-int8.test.ts compares with onnxruntime on every run.
 *
 * The loops run over n innermost (the table is k-major), which compilers vectorise without
 * changing any one sum's order; on x86-64 an AVX2 copy is chosen at run time when the CPU and the
 * operating system support it (the prebuilds otherwise target the x86-64 baseline, SSE2).
 * No C library call: the Windows prebuilds have no C runtime.
 */
#include "project_int8.h"

#define DEQUANT(q) (((float)(q) - zero_point) * scale)

#define PROJECT_BODY                                                                              \
  size_t k = 0;                                                                                   \
  for (; k + 4 <= k_in; k += 4) {                                                                 \
    const float x0 = x[k], x1 = x[k + 1], x2 = x[k + 2], x3 = x[k + 3];                           \
    const uint8_t *r0 = table + k * n_out, *r1 = r0 + n_out, *r2 = r1 + n_out, *r3 = r2 + n_out;  \
    if (k == 0) {                                                                                 \
      /* The kernel adds the zeroed output: t + 0.0f, which turns a -0.0f into +0.0f. */          \
      for (size_t n = 0; n < n_out; n++)                                                          \
        out[n] = (((x0 * DEQUANT(r0[n]) + x1 * DEQUANT(r1[n])) + x2 * DEQUANT(r2[n])) +           \
                  x3 * DEQUANT(r3[n])) + 0.0f;                                                    \
    } else {                                                                                      \
      for (size_t n = 0; n < n_out; n++)                                                          \
        out[n] = (((x0 * DEQUANT(r0[n]) + x1 * DEQUANT(r1[n])) + x2 * DEQUANT(r2[n])) +           \
                  x3 * DEQUANT(r3[n])) + out[n];                                                  \
    }                                                                                             \
  }                                                                                               \
  if (k_in - k >= 2) {                                                                            \
    const float x0 = x[k], x1 = x[k + 1];                                                         \
    const uint8_t *r0 = table + k * n_out, *r1 = r0 + n_out;                                      \
    for (size_t n = 0; n < n_out; n++)                                                            \
      out[n] = (x0 * DEQUANT(r0[n]) + x1 * DEQUANT(r1[n])) + (k == 0 ? 0.0f : out[n]);            \
    k += 2;                                                                                       \
  }                                                                                               \
  if (k < k_in) {                                                                                 \
    const float x0 = x[k];                                                                        \
    const uint8_t *r0 = table + k * n_out;                                                        \
    for (size_t n = 0; n < n_out; n++) out[n] = x0 * DEQUANT(r0[n]) + (k == 0 ? 0.0f : out[n]);   \
  }

static void project_baseline(const float *x, const uint8_t *table, size_t k_in, size_t n_out, float zero_point,
                             float scale, float *out) {
  PROJECT_BODY
}

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define MURMUR_X64_DISPATCH 1
#include <cpuid.h>

__attribute__((target("avx2"))) static void project_avx2(const float *x, const uint8_t *table, size_t k_in,
                                                         size_t n_out, float zero_point, float scale,
                                                         float *out) {
  PROJECT_BODY
}

/* AVX2 in the CPU (CPUID leaf 7) and its registers saved by the operating system (OSXSAVE, XCR0). */
static int has_avx2(void) {
  unsigned int a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  if (!(c & bit_OSXSAVE) || !(c & bit_AVX)) return 0;
  unsigned int lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  (void)hi;
  if ((lo & 6) != 6) return 0;
  if (__get_cpuid_max(0, 0) < 7) return 0;
  __cpuid_count(7, 0, a, b, c, d);
  return (b & bit_AVX2) != 0;
}
#endif

void murmur_project_int8(const float *x, const uint8_t *table, size_t k_in, size_t n_out, float zero_point,
                         float scale, float *out) {
#ifdef MURMUR_X64_DISPATCH
  static int avx2 = -1;
  if (avx2 < 0) avx2 = has_avx2();
  if (avx2) {
    project_avx2(x, table, k_in, n_out, zero_point, scale, out);
    return;
  }
#endif
  project_baseline(x, table, k_in, n_out, zero_point, scale, out);
}
