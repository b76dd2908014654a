/*
 * The tied output projection of a decoder whose weight is stored as uint8 with one scale and one
 * zero point (Moonshine's embedding): logits = hidden x dequantised(weight)^T, reading a quarter of
 * the bytes of the float matrix onnxruntime would fold it into.
 */
#ifndef MURMUR_PROJECT_INT8_H
#define MURMUR_PROJECT_INT8_H

#include <stddef.h>
#include <stdint.h>

/* out[n] = sum over k of x[k] * w(k, n), w(k, n) = ((float)table[k * n_out + n] - zero_point) * scale,
   for one row x of k_in values; table is the weight transposed (k-major). */
void murmur_project_int8(const float *x, const uint8_t *table, size_t k_in, size_t n_out, float zero_point,
                         float scale, float *out);

#endif
