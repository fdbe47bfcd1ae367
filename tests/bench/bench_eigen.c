/*
 * bench_eigen.c - time the sym_eigen op (the k leading eigenpairs of a symmetric matrix)
 * on each named provider, and compare their results.
 *
 *   bench_eigen [--threads N] [--backends a,b,...] [--k K] [--repeat R] random N
 *   bench_eigen [--threads N] [--backends a,b,...] [--k K] [--repeat R] gram FILE
 *
 * "random N": a symmetric N x N matrix with entries uniform in [-1, 1) (fixed seed).
 * "gram FILE": a float32 row-major square matrix from FILE (bench_ease --out writes the
 * Online Retail item Gram matrix as gram.f32); its size follows from the file length.
 *
 * For each provider (default "ref,openblas"; those not built are skipped) it prints the
 * wall time of each call (CLOCK_MONOTONIC, a fresh copy of the matrix each time), then
 * in double precision: the largest residual max_i |(A v - lambda v)_i| / ||A||_F over the
 * k pairs, the orthogonality max |V V^T - I|, and against the first provider the largest
 * eigenvalue difference / ||A||_F and the largest eigenvector difference (each vector
 * taken with the sign that matches).
 * Defaults: 2 threads, k = 64, 1 repeat.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle/bundle.h"
#include "runtime/runtime.h"

enum { MAX_PROVIDERS = 8, MAX_REPEAT = 20 };

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *xmalloc(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (p == NULL) {
    fprintf(stderr, "bench_eigen: out of memory (%zu bytes)\n", bytes);
    exit(1);
  }
  return p;
}

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* max_e max_i |(A v_e - lambda_e v_e)_i| (A symmetric, full) */
static double residual(int64_t n, int64_t k, const float *a, const float *values, const float *vectors) {
  double worst = 0;
  for (int64_t e = 0; e < k; e++) {
    const float *v = vectors + e * n;
    for (int64_t i = 0; i < n; i++) {
      double s = -(double)values[e] * v[i];
      for (int64_t j = 0; j < n; j++)
        s += (double)a[i * n + j] * v[j];
      worst = fmax(worst, fabs(s));
    }
  }
  return worst;
}

static double orthogonality(int64_t n, int64_t k, const float *vectors) {
  double worst = 0;
  for (int64_t e = 0; e < k; e++)
    for (int64_t f = 0; f <= e; f++) {
      double s = e == f ? -1.0 : 0.0;
      for (int64_t i = 0; i < n; i++)
        s += (double)vectors[e * n + i] * vectors[f * n + i];
      worst = fmax(worst, fabs(s));
    }
  return worst;
}

int main(int argc, char **argv) {
  const char *backends = "ref,openblas", *kind = NULL, *arg = NULL;
  int threads = 2, repeat = 1;
  int64_t k = 64;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-' && i + 1 >= argc) {
      fprintf(stderr, "bench_eigen: %s needs a value\n", argv[i]);
      return 2;
    }
    if (strcmp(argv[i], "--threads") == 0)
      threads = atoi(argv[++i]);
    else if (strcmp(argv[i], "--backends") == 0)
      backends = argv[++i];
    else if (strcmp(argv[i], "--k") == 0)
      k = atoll(argv[++i]);
    else if (strcmp(argv[i], "--repeat") == 0)
      repeat = atoi(argv[++i]);
    else if (argv[i][0] != '-' && kind == NULL)
      kind = argv[i];
    else if (argv[i][0] != '-' && arg == NULL)
      arg = argv[i];
    else
      kind = NULL, i = argc;
  }
  if (kind == NULL || arg == NULL || repeat < 1 || repeat > MAX_REPEAT || threads < 1 ||
      (strcmp(kind, "random") != 0 && strcmp(kind, "gram") != 0)) {
    fprintf(stderr, "usage: bench_eigen [--threads N] [--backends a,b] [--k K] [--repeat R] random N | gram FILE\n");
    return 2;
  }

  int64_t n = 0;
  float *a = NULL;
  if (strcmp(kind, "random") == 0) {
    n = atoll(arg);
    if (n < 1) {
      fprintf(stderr, "bench_eigen: N must be positive\n");
      return 2;
    }
    a = xmalloc((size_t)(n * n) * sizeof *a);
    uint64_t seed = 42;
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = 0; j <= i; j++)
        a[i * n + j] = a[j * n + i] = (float)((double)(splitmix(&seed) >> 11) * 0x1.0p-52 - 1.0);
  } else {
    FILE *f = fopen(arg, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0) {
      fprintf(stderr, "bench_eigen: cannot read %s\n", arg);
      return 1;
    }
    long bytes = ftell(f);
    rewind(f);
    n = (int64_t)llround(sqrt((double)bytes / sizeof(float)));
    if (n < 1 || (long)(n * n * (int64_t)sizeof(float)) != bytes) {
      fprintf(stderr, "bench_eigen: %s is not a square float32 matrix\n", arg);
      return 1;
    }
    a = xmalloc((size_t)bytes);
    if (fread(a, 1, (size_t)bytes, f) != (size_t)bytes) {
      fprintf(stderr, "bench_eigen: short read on %s\n", arg);
      return 1;
    }
    fclose(f);
  }
  if (k > n)
    k = n;
  double fro = 0;
  for (int64_t i = 0; i < n * n; i++)
    fro += (double)a[i] * a[i];
  fro = sqrt(fro);
  printf("%s %s: n %lld, k %lld, ||A||_F %.6g, %d threads\n", kind, arg, (long long)n, (long long)k, fro, threads);

  float *work = xmalloc((size_t)(n * n) * sizeof *work);
  float *values[MAX_PROVIDERS], *vectors[MAX_PROVIDERS];
  int count = 0;
  char list[256], first[32] = "";
  snprintf(list, sizeof list, "%s", backends);
  for (char *name = strtok(list, ","); name != NULL && count < MAX_PROVIDERS; name = strtok(NULL, ",")) {
    if (!bndl_backend_available(name)) {
      printf("%-9s not built, skipped\n", name);
      continue;
    }
    bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
    desc.n_threads = threads;
    bndl_context *ctx = NULL;
    if (bndl_context_create(&desc, &ctx) != BNDL_OK || bndl_context_set_backend(ctx, name) != BNDL_OK) {
      fprintf(stderr, "bench_eigen: context for %s: %s\n", name, bndl_last_error_message());
      return 1;
    }
    if (count == 0)
      snprintf(first, sizeof first, "%s", name);
    values[count] = xmalloc((size_t)k * sizeof(float));
    vectors[count] = xmalloc((size_t)(k * n) * sizeof(float));
    printf("%-9s", name);
    for (int r = 0; r < repeat; r++) {
      memcpy(work, a, (size_t)(n * n) * sizeof *work);
      double t0 = now_s();
      bndl_status st = bndl_op_sym_eigen(ctx, n, work, n, k, values[count], vectors[count]);
      double t = now_s() - t0;
      if (st != BNDL_OK) {
        fprintf(stderr, "\nbench_eigen: sym_eigen on %s: %s (%s)\n", name, bndl_status_str(st),
                bndl_last_error_message());
        return 1;
      }
      printf(" %.3f s", t);
      fflush(stdout);
    }
    const float *vp = vectors[count], *v0 = vectors[0];
    printf(" | residual/||A|| %.3g, orthogonality %.3g", residual(n, k, a, values[count], vp) / fro,
           orthogonality(n, k, vp));
    if (count > 0) {
      double dval = 0, dvec = 0;
      for (int64_t e = 0; e < k; e++) {
        dval = fmax(dval, fabs((double)values[count][e] - values[0][e]) / fro);
        double dot = 0, worst = 0;
        for (int64_t i = 0; i < n; i++)
          dot += (double)vp[e * n + i] * v0[e * n + i];
        double sign = dot < 0 ? -1 : 1;
        for (int64_t i = 0; i < n; i++)
          worst = fmax(worst, fabs(sign * vp[e * n + i] - v0[e * n + i]));
        dvec = fmax(dvec, worst);
      }
      printf(" | vs %s: values %.3g ||A||_F, vectors %.3g", first, dval, dvec);
    }
    printf("\n");
    fflush(stdout);
    bndl_context_free(ctx);
    count++;
  }
  if (count > 0) {
    double gap = INFINITY;
    for (int64_t e = 1; e < k; e++)
      gap = fmin(gap, (double)values[0][e - 1] - values[0][e]);
    printf("%s: lambda_1 %.6g, lambda_k %.6g, smallest gap between consecutive wanted values %.3g\n", first,
           values[0][0], values[0][k - 1], gap);
  }
  for (int p = 0; p < count; p++) {
    free(values[p]);
    free(vectors[p]);
  }
  free(work);
  free(a);
  return 0;
}
