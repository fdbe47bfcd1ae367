/*
 * bench_gemm.c - GEMM through the provider vtable (bndl_op_gemm on each provider built)
 * against raw cblas_sgemm in the same process (issue: >= 0.8x of raw at 256^3, 1024^3,
 * 2048^3), plus the small shapes of TARGETS.md 1.2 (1 x 1024 x 256, the m = 1 shape of
 * P2, and 64 x 1024 x 256).
 *
 * Raw OpenBLAS runs with its default thread count (read at start-up, before any
 * context pins it; set again before every raw run, since the openblas provider pins
 * OpenBLAS to one thread process-wide); each provider runs on a context of --threads
 * threads (default 2). For m = 1 raw cblas_sgemv is shown as well (default threads and
 * 1 thread), since that is what the providers call. C = A * B, row-major, no transposes, beta = 0. With oneDNN built,
 * raw dnnl_sgemm (OpenMP's default thread count) is shown in the note column too, the
 * baseline of the onednn provider.
 *
 * Rounds alternate the contenders (raw, then each provider) so that a noisy stretch of
 * the shared VM hits all of them; each round runs each contender until it has spent
 * --min-ms (at least 3 calls), and the best single call over all rounds counts.
 *
 *   bench_gemm [--threads N] [--rounds R] [--min-ms MS] [--shapes m,n,k;...]
 *
 * Prints one markdown table (GFLOP/s, best call, ratio to raw sgemm) and the setup:
 * OpenBLAS config and core, each provider's description, OPENBLAS_* variables.
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle/bundle.h"
#include "runtime/runtime.h"

#ifdef BNDL_HAVE_ONEDNN
#  include <dnnl.h>
int omp_get_max_threads(void); /* libgomp, linked with libdnnl (see onednn.c) */
#endif

typedef struct shape {
  int64_t m, n, k;
} shape;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct contender {
  const char *name;
  bndl_context *ctx; /* NULL: raw OpenBLAS */
  int gemv;          /* raw cblas_sgemv (m == 1 only): 1 default threads, 2 one thread */
  int dnnl;          /* raw dnnl_sgemm */
  double best;
  float *c;
} contender;

static int g_raw_threads;

static void run_once(contender *x, const shape *s, const float *a, const float *b) {
#ifdef BNDL_HAVE_ONEDNN
  if (x->dnnl) {
    if (dnnl_sgemm('N', 'N', s->m, s->n, s->k, 1.0f, a, s->k, b, s->n, 0.0f, x->c, s->n) != dnnl_success) {
      fprintf(stderr, "dnnl_sgemm failed\n");
      exit(1);
    }
    return;
  }
#endif
  if (x->ctx == NULL) {
    openblas_set_num_threads(x->gemv == 2 ? 1 : g_raw_threads);
    if (x->gemv)
      cblas_sgemv(CblasRowMajor, CblasTrans, (int)s->k, (int)s->n, 1.0f, b, (int)s->n, a, 1, 0.0f, x->c, 1);
    else
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)s->m, (int)s->n, (int)s->k, 1.0f, a, (int)s->k, b,
                  (int)s->n, 0.0f, x->c, (int)s->n);
    return;
  }
  bndl_gemm_desc d = {0, 0, s->m, s->n, s->k, 1, 1.0f, 0.0f, a, s->k, 0, b, s->n, 0, x->c, s->n, 0};
  if (bndl_op_gemm(x->ctx, &d) != BNDL_OK) {
    fprintf(stderr, "bndl_op_gemm on %s: %s\n", x->name, bndl_last_error_message());
    exit(1);
  }
}

/* One round: calls until min_s is spent (at least 3), keeping the best call. */
static void round_of(contender *x, const shape *s, const float *a, const float *b, double min_s) {
  double start = now_s();
  for (int i = 0; i < 3 || now_s() - start < min_s; i++) {
    double t0 = now_s();
    run_once(x, s, a, b);
    double t = now_s() - t0;
    if (t < x->best)
      x->best = t;
  }
}

static int parse_shapes(const char *text, shape *out, int cap) {
  int n = 0;
  const char *p = text;
  while (*p != '\0' && n < cap) {
    long long m, nn, k;
    int used = 0;
    if (sscanf(p, "%lld,%lld,%lld%n", &m, &nn, &k, &used) != 3 || m < 1 || nn < 1 || k < 1)
      return -1;
    out[n++] = (shape){m, nn, k};
    p += used;
    if (*p == ';')
      p++;
  }
  return n;
}

int main(int argc, char **argv) {
  int threads = 2, rounds = 5;
  double min_ms = 200;
  shape shapes[16] = {{256, 256, 256}, {1024, 1024, 1024}, {2048, 2048, 2048}, {1, 1024, 256}, {64, 1024, 256}};
  int n_shapes = 5;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
      rounds = atoi(argv[++i]);
    else if (strcmp(argv[i], "--min-ms") == 0 && i + 1 < argc)
      min_ms = atof(argv[++i]);
    else if (strcmp(argv[i], "--shapes") == 0 && i + 1 < argc) {
      n_shapes = parse_shapes(argv[++i], shapes, 16);
      if (n_shapes <= 0) {
        fprintf(stderr, "--shapes wants m,n,k;m,n,k...\n");
        return 2;
      }
    } else {
      fprintf(stderr, "usage: %s [--threads N] [--rounds R] [--min-ms MS] [--shapes m,n,k;...]\n", argv[0]);
      return 2;
    }
  }
  /* OpenBLAS's default before any provider pins it */
  g_raw_threads = openblas_get_num_threads();
  const char *names[8];
  bndl_context *ctxs[8];
  int n_prov = 0;
  for (int32_t i = 0; bndl_backend_name(i) != NULL; i++) {
    if (!bndl_backend_available(bndl_backend_name(i)) || strcmp(bndl_backend_name(i), "ref") == 0)
      continue;
    bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
    desc.n_threads = threads;
    if (bndl_context_create(&desc, &ctxs[n_prov]) != BNDL_OK ||
        bndl_context_set_backend(ctxs[n_prov], bndl_backend_name(i)) != BNDL_OK) {
      fprintf(stderr, "context for %s: %s\n", bndl_backend_name(i), bndl_last_error_message());
      return 1;
    }
    names[n_prov++] = bndl_backend_name(i);
  }
  const char *coretype = getenv("OPENBLAS_CORETYPE"), *l2 = getenv("OPENBLAS_L2_SIZE");
  printf("libbundle %s; %s\n", bndl_version_string(), openblas_get_config());
  printf("OpenBLAS core %s; raw OpenBLAS threads %d; OPENBLAS_CORETYPE=%s OPENBLAS_L2_SIZE=%s\n",
         openblas_get_corename(), g_raw_threads, coretype ? coretype : "(unset)", l2 ? l2 : "(unset)");
  for (int p = 0; p < n_prov; p++)
    printf("provider %s, %d threads: %s\n", names[p], bndl_context_threads(ctxs[p]), bndl_context_backend_info(ctxs[p]));
#ifdef BNDL_HAVE_ONEDNN
  printf("raw dnnl_sgemm: oneDNN %d.%d.%d, %d OpenMP threads\n", dnnl_version()->major, dnnl_version()->minor,
         dnnl_version()->patch, omp_get_max_threads());
#endif
  printf("best call of %d rounds x >= %.0f ms per contender\n\n", rounds, min_ms);
  printf("| m x n x k | raw sgemm (%d thr) |", g_raw_threads);
  for (int p = 0; p < n_prov; p++)
    printf(" %s (%d thr) | ratio |", names[p], threads);
  printf(" note |\n|---|---|");
  for (int p = 0; p < n_prov; p++)
    printf("---|---|");
  printf("---|\n");

  srand(1);
  for (int si = 0; si < n_shapes; si++) {
    const shape *s = &shapes[si];
    size_t na = (size_t)(s->m * s->k), nb = (size_t)(s->k * s->n), nc = (size_t)(s->m * s->n);
    float *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b);
    if (a == NULL || b == NULL)
      return 1;
    for (size_t i = 0; i < na; i++)
      a[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    for (size_t i = 0; i < nb; i++)
      b[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    contender xs[10];
    int nx = 0;
    xs[nx++] = (contender){"raw sgemm", NULL, 0, 0, INFINITY, NULL};
    if (s->m == 1)
      xs[nx++] = (contender){"raw sgemv", NULL, 1, 0, INFINITY, NULL};
    if (s->m == 1)
      xs[nx++] = (contender){"raw sgemv 1 thread", NULL, 2, 0, INFINITY, NULL};
    for (int p = 0; p < n_prov; p++)
      xs[nx++] = (contender){names[p], ctxs[p], 0, 0, INFINITY, NULL};
#ifdef BNDL_HAVE_ONEDNN
    xs[nx++] = (contender){"raw dnnl_sgemm", NULL, 0, 1, INFINITY, NULL}; /* last: the note column */
#endif
    for (int x = 0; x < nx; x++) {
      xs[x].c = malloc(nc * sizeof(float));
      if (xs[x].c == NULL)
        return 1;
      run_once(&xs[x], s, a, b); /* warm-up: first-touch, JIT, thread start */
    }
    for (int r = 0; r < rounds; r++)
      for (int x = 0; x < nx; x++)
        round_of(&xs[x], s, a, b, min_ms / 1000.0);
    /* every contender computed the same product (relative to the largest |c|) */
    double worst = 0, scale = 0;
    for (size_t i = 0; i < nc; i++)
      scale = fmax(scale, fabs(xs[0].c[i]));
    for (int x = 1; x < nx; x++)
      for (size_t i = 0; i < nc; i++)
        worst = fmax(worst, fabs(xs[x].c[i] - xs[0].c[i]));
    double flops = 2.0 * (double)s->m * (double)s->n * (double)s->k;
    printf("| %lld x %lld x %lld | %.1f (%.1f us) |", (long long)s->m, (long long)s->n, (long long)s->k,
           flops / xs[0].best * 1e-9, xs[0].best * 1e6);
    int first_prov = s->m == 1 ? 3 : 1;
    for (int x = first_prov; x < first_prov + n_prov; x++)
      printf(" %.1f (%.1f us) | %.2f |", flops / xs[x].best * 1e-9, xs[x].best * 1e6, xs[0].best / xs[x].best);
    if (s->m == 1)
      printf(" raw sgemv %.1f us (1 thread %.1f us);", xs[1].best * 1e6, xs[2].best * 1e6);
    if (first_prov + n_prov < nx)
      printf(" raw dnnl_sgemm %.1f (%.1f us);", flops / xs[nx - 1].best * 1e-9, xs[nx - 1].best * 1e6);
    printf(" max |diff| %.1e of max |c| %.1e |\n", worst, scale);
    fflush(stdout);
    for (int x = 0; x < nx; x++)
      free(xs[x].c);
    free(a);
    free(b);
  }
  for (int p = 0; p < n_prov; p++)
    bndl_context_free(ctxs[p]);
  return 0;
}
