/*
 * sim_measures.c - the definitions of the similarity measures (sim.measure).
 *
 * Notation (see sim_measures.h): A is rows x features with only the positive entries
 * a_rf > 0 of the interaction matrix (a_rf = 1 for each of them when sim.binary = 1;
 * entries <= 0 are absent). R = number of rows, N = number of features (users for
 * item-item, items for user-user, counting those with no positive entry), n_r = number
 * of entries of row r, df_f = number of rows holding feature f, L_r = sum_f a_rf.
 * v_rf is the weighted entry, q_r = sum_f v_rf^2, d = sum_f v_rf v_cf over common
 * features, common = their number, s = sim.shrink (added to the denominator; it damps
 * pairs whose denominator is small, i.e. rare rows).
 *
 *   dot                v = a.                 score = d              (shrink unused)
 *   cosine             v = a.                 score = d / (sqrt(q_r) sqrt(q_c) + s)
 *   asymmetric_cosine  v = a.                 score = d / (q_r^alpha q_c^(1 - alpha) + s)
 *       Aiolli, "Efficient top-N recommendation for very large scale binary rated
 *       datasets", RecSys 2013: S_ij = |U(i) & U(j)| / (|U(i)|^alpha
 *       |U(j)|^(1-alpha)), here with squared norms in place of the set sizes (equal on
 *       binary data). alpha = 0.5 is cosine; alpha = 1 gives P(c | r) on binary data.
 *       Not symmetric: row r is the query.
 *   jaccard            v = a.                 score = d / (q_r + q_c - d + s)
 *       Jaccard (1901) on binary data, |r & c| / |r | c|; on weights it is the Tanimoto
 *       coefficient (Tanimoto 1958, "extended Jaccard"), which equals it when the
 *       weights are 0/1.
 *   tfidf              v = a * ln(R / df_f),  score = cosine of v
 *       Salton & Buckley, "Term-weighting approaches in automatic text retrieval",
 *       IP&M 24(5), 1988: rows are documents, features are terms, so a user who buys
 *       everything (df_f = R) says nothing about which items are alike.
 *   bm25               v = a (k1 + 1) / (a + k1 (1 - b + b L_r / avgL)) * idf_f,
 *                      idf_f = ln(1 + (R - df_f + 0.5) / (df_f + 0.5)),
 *                      avgL = (1/R) sum_r L_r,  score = cosine of v
 *       Robertson & Zaragoza, "The probabilistic relevance framework: BM25 and beyond",
 *       FnTIR 3(4), 2009 (the saturating tf and the Robertson/Sparck Jones idf);
 *       the idf uses the "+1" form (Lucene's) so that it never turns negative when a
 *       feature is in more than half of the rows. k1 = sim.bm25_k1, b = sim.bm25_b.
 *   lift               counts only:           score = common N / (n_r n_c + s)
 *       Brin, Motwani, Ullman & Tsur, "Dynamic itemset counting and implication rules
 *       for market basket data", SIGMOD 1997 ("interest"): P(r, c) / (P(r) P(c)) with
 *       probabilities over the N features (users, for item-item).
 *   pmi                counts only:           score = ln(common N / (n_r n_c + s))
 *       Church & Hanks, "Word association norms, mutual information, and
 *       lexicography", CL 16(1), 1990: the logarithm of lift. May be negative.
 *
 * Every measure scores only pairs with common >= sim.min_support (>= 1), so rows never
 * seen together are never neighbours (whatever the measure would give them). A
 * denominator that is not positive (both rows weigh nothing) scores 0.
 */
#include "compute/sim_measures.h"

#include <math.h>
#include <string.h>

#include "core/config.h"

static const char *const measure_names[BNDL_SIM_MEASURE_COUNT] = {
    "cosine", "asymmetric_cosine", "jaccard", "bm25", "tfidf", "lift", "pmi", "dot"};

const char *bndl_sim_measure_name(bndl_sim_measure m) {
  return m >= 0 && m < BNDL_SIM_MEASURE_COUNT ? measure_names[m] : "unknown";
}

int bndl_sim_measure_parse(const char *name) {
  for (int m = 0; m < BNDL_SIM_MEASURE_COUNT; m++)
    if (strcmp(name, measure_names[m]) == 0)
      return m;
  return -1;
}

void bndl_sim_params_from_config(const bndl_config *cfg, bndl_sim_params *p) {
  int m = bndl_sim_measure_parse(bndl_cfg_string(cfg, BNDL_KEY_SIM_MEASURE));
  p->measure = m < 0 ? BNDL_SIM_COSINE : (bndl_sim_measure)m; /* the key only takes known names */
  p->k = bndl_cfg_int(cfg, BNDL_KEY_SIM_K);
  p->shrink = bndl_cfg_float(cfg, BNDL_KEY_SIM_SHRINK);
  p->min_support = bndl_cfg_int(cfg, BNDL_KEY_SIM_MIN_SUPPORT);
  p->alpha = bndl_cfg_float(cfg, BNDL_KEY_SIM_ALPHA);
  p->bm25_k1 = bndl_cfg_float(cfg, BNDL_KEY_SIM_BM25_K1);
  p->bm25_b = bndl_cfg_float(cfg, BNDL_KEY_SIM_BM25_B);
  p->binary = (int)bndl_cfg_int(cfg, BNDL_KEY_SIM_BINARY);
  p->exclude_self = (int)bndl_cfg_int(cfg, BNDL_KEY_SIM_EXCLUDE_SELF);
  p->max_bytes = bndl_cfg_int(cfg, BNDL_KEY_SIM_MAX_BYTES);
}

static double feature_rows(const int64_t *at_indptr, int32_t f) { return (double)(at_indptr[f + 1] - at_indptr[f]); }

void bndl_sim_weight_values(const bndl_sim_params *p, bndl_sim_csr *a, const int64_t *at_indptr) {
  double rows = (double)a->rows;
  if (p->measure == BNDL_SIM_TFIDF) {
    for (int64_t e = 0; e < a->indptr[a->rows]; e++)
      a->val[e] = (float)((double)a->val[e] * log(rows / feature_rows(at_indptr, a->idx[e])));
  } else if (p->measure == BNDL_SIM_BM25) {
    double total = 0;
    for (int64_t e = 0; e < a->indptr[a->rows]; e++)
      total += a->val[e];
    double avg_len = rows > 0 ? total / rows : 0;
    double k1 = p->bm25_k1, b = p->bm25_b;
    for (int64_t r = 0; r < a->rows; r++) {
      double len = 0;
      for (int64_t e = a->indptr[r]; e < a->indptr[r + 1]; e++)
        len += a->val[e];
      /* avg_len > 0 whenever the row has entries */
      double norm = k1 * (1 - b + b * len / avg_len);
      for (int64_t e = a->indptr[r]; e < a->indptr[r + 1]; e++) {
        double df = feature_rows(at_indptr, a->idx[e]);
        double idf = log(1 + (rows - df + 0.5) / (df + 0.5));
        double x = a->val[e];
        a->val[e] = (float)(x * (k1 + 1) / (x + norm) * idf);
      }
    }
  }
}

void bndl_sim_row_stats(const bndl_sim_params *p, const bndl_sim_csr *a, bndl_sim_stats *s) {
  s->measure = p->measure;
  s->shrink = p->shrink;
  s->n_features = (double)a->cols;
  for (int64_t r = 0; r < a->rows; r++) {
    double q = 0;
    if (a->val == NULL)
      q = (double)(a->indptr[r + 1] - a->indptr[r]);
    else
      for (int64_t e = a->indptr[r]; e < a->indptr[r + 1]; e++)
        q += (double)a->val[e] * a->val[e];
    double rp, cp;
    switch (p->measure) {
    case BNDL_SIM_ASYMMETRIC_COSINE:
      rp = pow(q, p->alpha);
      cp = pow(q, 1 - p->alpha);
      break;
    case BNDL_SIM_JACCARD:
    case BNDL_SIM_DOT:
      rp = cp = q;
      break;
    case BNDL_SIM_LIFT:
    case BNDL_SIM_PMI:
      rp = cp = (double)(a->indptr[r + 1] - a->indptr[r]);
      break;
    default:
      rp = cp = sqrt(q);
      break;
    }
    s->row_part[r] = rp;
    s->col_part[r] = cp;
  }
}
