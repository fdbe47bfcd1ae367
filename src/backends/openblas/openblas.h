/*
 * openblas.h - the OpenBLAS + LAPACKE provider (compiled only with BNDL_HAVE_OPENBLAS).
 *
 * Threading: OpenBLAS is pinned to one thread (openblas_pin) and the provider splits
 * work into pool tasks, each one single-threaded BLAS call, so pool threads x BLAS
 * threads never exceed the context's thread count (TARGETS.md P6). LAPACK ops run on
 * the calling thread.
 *
 * cblas and LAPACKE take 32-bit ints here (Debian's OpenBLAS is not ILP64); a shape
 * that does not fit runs on a private ref instance instead of failing.
 */
#ifndef BNDL_BACKENDS_OPENBLAS_H
#define BNDL_BACKENDS_OPENBLAS_H

#include <limits.h>

#include "backends/backend.h"

typedef struct openblas_state {
  const bndl_host *host;
  void *ref; /* a ref instance for shapes beyond 32-bit ints */
  char description[192];
} openblas_state;

/* Sets OpenBLAS to one thread if anyone changed it since (the setting is process-wide).
 * Called when the provider opens and at the start of every op, on the calling thread. */
void openblas_pin(void);

static inline int openblas_fits(int64_t v) { return v >= 0 && v <= INT_MAX; }

bndl_status openblas_gemm(void *state, const bndl_gemm_desc *d);
bndl_status openblas_row_norms(void *state, int64_t rows, int64_t cols, const float *x, int64_t ldx, float *out);
bndl_status openblas_spd_inverse(void *state, int64_t n, float *a, int64_t lda);
bndl_status openblas_sym_eigen(void *state, int64_t n, float *a, int64_t lda, int64_t k, float *values,
                               float *vectors);

#endif
