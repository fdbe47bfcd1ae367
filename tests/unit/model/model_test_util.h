/*
 * model_test_util.h - what the model-layer tests share: a run state (context, parameter
 * store, arena) per test, seeded fills, the finite-difference gradient checker, and
 * the two tiny encoder problems (SASRec and LSTM with a loss on a padded batch) that the
 * gradient, backend and thread tests all run.
 *
 * Finite differences. The layers compute in float; the checker perturbs one float
 * parameter or input value at a time by +-h (the step actually taken is the difference
 * of the two rounded floats, so representation error does not count), evaluates the
 * objective in double (a fixed random weighting sum_i w_i y_i of a layer's outputs, or a
 * loss), and forms the central difference. Its error has two parts: truncation,
 * h^2 |f'''| / 6, about 1e-5 at h = 1e-2 for these smooth maps with O(1) curvature, and
 * float rounding of the outputs, about u sum_i |w_i y_i| / h with u = 6e-8, i.e. about
 * 1e-5 for objectives of O(1) at h = 1e-2 (measured: every error here is below 2e-5).
 * So every gradient entry must satisfy
 *     |fd - analytic| <= 5e-4 * max(1, max_j |analytic_j|) + 5e-3 * |analytic|,
 * a bound 25x above both error sources and far below what a wrong formula gives (a
 * dropped term or a transposed index is an O(1) relative error). Each tensor's
 * relative error in the 2-norm and its worst error / tolerance are printed.
 */
#ifndef BNDL_TEST_MODEL_UTIL_H
#define BNDL_TEST_MODEL_UTIL_H

#include <stdint.h>

#include "bundle/bundle.h"
#include "model/encoders.h"
#include "model/loss.h"
#include "model/nn.h"

typedef struct mt_run {
  bndl_context *ctx;
  bndl_nn_params params;
  bndl_nn_arena arena;
  bndl_nn nn;
} mt_run;

/* ctx is borrowed (not freed by mt_run_free). Training mode, seed 7, step 3. */
void mt_run_init(mt_run *r, bndl_context *ctx);
/* Allocates the store and spreads the parameters away from their init (gammas of 1
 * become U(0.5, 1.5), zero biases U(-0.2, 0.2)) so every gradient has something to see. */
void mt_run_alloc(mt_run *r, uint64_t seed);
void mt_run_free(mt_run *r);

/* uniform fill in [lo, hi) from a splitmix64 stream */
void mt_fill(uint64_t seed, float *x, int64_t n, double lo, double hi);

/* ---- finite differences */
typedef struct mt_fd_input {
  const char *name;
  float *x;              /* perturbed in place */
  int64_t n;
  const float *grad;     /* analytic gradient, filled by the gradient callback */
} mt_fd_input;

typedef struct mt_fd {
  mt_run *run;
  void *ud;
  /* objective in double, forward only */
  bndl_status (*objective)(void *ud, double *value);
  /* forward + backward; parameter gradients accumulate into run->params (zeroed before) */
  bndl_status (*gradient)(void *ud);
  mt_fd_input inputs[4];
  int n_inputs;
  double h;              /* step (default 1e-2) */
  int64_t max_per_tensor; /* check at most this many entries per tensor (evenly spread); 0: all */
} mt_fd;

/* Runs the check on every parameter tensor and every input; fails the test on a
 * violation. Returns the worst relative 2-norm error seen. Prints one line per tensor
 * labelled `what`. */
double mt_fd_check(mt_fd *f, const char *what);

/* sum_i w_i y_i in double, w from seed */
double mt_weighted_sum(const float *y, int64_t n, uint64_t seed);
/* the weights themselves, as dy */
void mt_weights(float *w, int64_t n, uint64_t seed);

/* ---- the encoder problems */
typedef struct mt_shape {
  int64_t batch, len, dim, heads, n_items;
} mt_shape;

/* Tiny (finite differences): B 3, T 6, dim 8, 2 heads, 20 items. */
extern const mt_shape MT_TINY;

typedef struct mt_problem {
  int lstm;                     /* 0: SASRec, 1: LSTM encoder */
  bndl_nn_loss_kind loss;
  bndl_nn_sasrec sasrec;
  bndl_nn_lstm_encoder lstm_enc;
  int64_t batch, len, dim, n_items, n_types, n_feat, n_neg;
  int shared_neg;
  int32_t *items, *types, *pos, *neg;
  float *logq_pos, *logq_neg, *feat;
  bndl_nn_batch b;
  bndl_nn_targets t;
  float *out, *dh;              /* rows x dim */
  bndl_nn_sasrec_cache sc;
  bndl_nn_lstm_encoder_cache lc;
} mt_problem;

/* Builds the problem's model into r->params (not yet allocated) and its batch: the
 * sequences are left padded (sequence b by (2 + 3b) mod T positions; B 3, T 6 gives 2,
 * 5 and 2 -- with the tiny shape sequence 1 is fully real: pads 2, 0, 4), 3 event types,
 * 4 item features, K negatives (2 per position or 5 shared) with one accidental hit and
 * one skipped id. The LSTM encoder has 2 layers and hidden 6 (tiny) or dim. */
void mt_problem_build(mt_problem *p, mt_run *r, const mt_shape *shape, int lstm, bndl_nn_loss_kind loss,
                      int shared_neg, float dropout, bndl_eltwise_kind ffn_act);
void mt_problem_free(mt_problem *p);
/* forward (+ backward when grad) through encoder and loss; the arena is reset first */
bndl_status mt_problem_run(mt_problem *p, mt_run *r, double *loss, int grad);

#endif
