#!/usr/bin/env python3
"""Trained sentiment classifier: libbundle against jieba + scikit-learn.

Both sides work on the same rows of online_shopping_10_cats (62,774 labelled Chinese
reviews) and the same split (tests/bench/text_eval_split.h: Fisher-Yates with
xoshiro256** seeded (42, 0), the last n/5 positions held out; this script re-implements
the generator and checks its permutation against the one eval_text_classifier writes):

  train  tokenize the 50,220 training reviews and fit the model
         libbundle: bndl_text_model_train (tokenizer, word + character n-gram TF-IDF,
                    TRON logistic regression), defaults unless --set says otherwise
         sklearn:   jieba.lcut, TfidfVectorizer(word 1-2 grams of the jieba tokens,
                    min_df=2, sublinear_tf=True), LogisticRegression(C=--sk-c, lbfgs)
  score  tokenize and score all 62,774 reviews with the trained model
         libbundle: bndl_text_model_predict_batch; sklearn: jieba.lcut + transform +
         predict_proba

Reported per side: the fastest and the median of --runs repetitions for training and
for scoring, their sum (end to end), and the accuracy on the held-out 20% (p >= 0.5 is
positive). jieba's one-off dictionary load is timed apart (jieba.initialize()) and not
counted in its training time; file reading is not counted on either side. The two sides
run one after the other, never at once; libbundle uses --threads (default 2, the
machine's cores); sklearn's lbfgs and jieba use one core, as they do by default.

Needs: python3 -m pip install jieba scikit-learn numpy   (not installed by CI)
Usage: python3 tests/bench/bench_text_vs_sklearn.py [--eval PATH] [--runs 3]
           [--threads 2] [--sk-c 1.0] [--set text.c=4 ...] [--json-out FILE]
"""
import argparse
import csv
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_FILE = os.path.join(ROOT, "..", "shared", "data", "reviews_zh", "online_shopping_10_cats.csv.gz")
M64 = (1 << 64) - 1


class Rng:
    """src/core/rng.c: xoshiro256** seeded by splitmix64, Lemire's bounded draw."""

    def __init__(self, seed, stream):
        x = (seed ^ (stream * 0xD1B54A32D192ED03)) & M64
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & M64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            self.s.append(z ^ (z >> 31))

    def next(self):
        s = self.s
        rotl = lambda v, k: ((v << k) | (v >> (64 - k))) & M64
        result = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, n):
        m = self.next() * n
        low = m & M64
        if low < n:
            threshold = ((1 << 64) - n) % n
            while low < threshold:
                m = self.next() * n
                low = m & M64
        return m >> 64


def permutation(n):
    perm = list(range(n))
    r = Rng(42, 0)
    for i in range(n - 1, 0, -1):
        j = r.below(i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def find_eval(path):
    if path:
        return path
    for d in ("build-bench", "build", "build-clf"):
        p = os.path.join(ROOT, d, "tests", "bench", "eval_text_classifier")
        if os.path.exists(p):
            return p
    sys.exit("eval_text_classifier not found: build it (cmake --build build-bench --target eval_text_classifier) "
             "or pass --eval")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", default=DEFAULT_FILE)
    ap.add_argument("--eval", help="path of eval_text_classifier")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sk-c", type=float, default=1.0, help="C of sklearn's LogisticRegression (its default: 1)")
    ap.add_argument("--set", action="append", default=[], help="libbundle config KEY=VALUE")
    ap.add_argument("--json-out")
    a = ap.parse_args()
    try:
        import jieba
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError as e:
        print(f"missing {e.name}: python3 -m pip install jieba scikit-learn numpy", file=sys.stderr)
        sys.exit(2)
    import logging
    jieba.setLogLevel(logging.WARNING)

    # ---- libbundle (its own process: the file is read through the preset)
    with tempfile.TemporaryDirectory() as d:
        split = os.path.join(d, "perm.txt")
        cmd = [find_eval(a.eval), "--threads", str(a.threads), "--runs", str(a.runs), "--score-all", "--cv", "0",
               "--dump-split", split, "--data", os.path.dirname(os.path.dirname(os.path.abspath(a.file)))]
        for s in a.set:
            cmd += ["--set", s]
        out = subprocess.run(cmd + ["shopping"], check=True, capture_output=True, text=True).stdout
        lib = json.loads(out.strip().splitlines()[-1])
        with open(split) as f:
            lib_perm = [int(x) for x in f]

    # ---- the same rows and split in Python
    with gzip.open(a.file, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    texts = [r["review"] for r in rows]
    y = np.array([int(r["label"]) for r in rows])
    n = len(texts)
    assert n == lib["rows"], f"{n} rows here, {lib['rows']} in libbundle"
    perm = permutation(n)
    assert perm == lib_perm, "the Python shuffle differs from text_eval_split.h"
    n_train = n - n // 5
    tr, te = perm[:n_train], perm[n_train:]
    t0 = time.perf_counter()
    jieba.initialize()
    jieba_init = time.perf_counter() - t0

    train_s, score_s, acc = [], [], None
    for _ in range(a.runs):
        t0 = time.perf_counter()
        tok = [jieba.lcut(texts[i]) for i in tr]
        # word 1-2 grams of the jieba tokens (the analyzer gets the token list)
        vec = TfidfVectorizer(tokenizer=lambda d: d, preprocessor=lambda d: d, token_pattern=None, lowercase=False,
                              ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        X = vec.fit_transform(tok)
        lr = LogisticRegression(C=a.sk_c, max_iter=1000).fit(X, y[tr])
        t1 = time.perf_counter()
        p = lr.predict_proba(vec.transform([jieba.lcut(t) for t in texts]))[:, 1]
        t2 = time.perf_counter()
        train_s.append(t1 - t0)
        score_s.append(t2 - t1)
        if acc is None:
            acc = float(((p[te] >= 0.5) == (y[te] == 1)).mean())
            n_features = X.shape[1]

    sk = {"train_s": min(train_s), "train_median_s": statistics.median(train_s), "score_all_s": min(score_s),
          "score_all_median_s": statistics.median(score_s), "accuracy": acc, "features": n_features,
          "jieba_init_s": jieba_init, "C": a.sk_c}
    lb = {"train_s": lib["train_s"], "train_median_s": lib["train_median_s"], "score_all_s": lib["score_all_s"],
          "score_all_median_s": lib["score_all_median_s"], "accuracy": lib["accuracy"],
          "features": lib["features"], "threads": a.threads, "settings": lib["settings"]}
    res = {"rows": n, "train": n_train, "test": n - n_train, "runs": a.runs, "libbundle": lb, "sklearn": sk}
    print(f"online_shopping_10_cats: {n} reviews, train {n_train}, held out {n - n_train}, {a.runs} runs "
          f"(fastest / median, seconds)")
    print(f"{'':12} {'train':>15} {'score all':>15} {'end to end':>15} {'accuracy':>9} {'features':>9}")
    for name, r in (("libbundle", lb), ("sklearn", sk)):
        e2e, e2e_med = r["train_s"] + r["score_all_s"], r["train_median_s"] + r["score_all_median_s"]
        print(f"{name:12} {r['train_s']:7.2f} / {r['train_median_s']:5.2f} {r['score_all_s']:7.2f} / "
              f"{r['score_all_median_s']:5.2f} {e2e:7.2f} / {e2e_med:5.2f} {r['accuracy']:9.4f} {r['features']:9d}")
    ratio = lambda k: sk[k] / lb[k]
    e2e_ratio = (sk["train_s"] + sk["score_all_s"]) / (lb["train_s"] + lb["score_all_s"])
    e2e_ratio_med = (sk["train_median_s"] + sk["score_all_median_s"]) / (lb["train_median_s"] + lb["score_all_median_s"])
    print(f"speed-up: train {ratio('train_s'):.1f}x, score {ratio('score_all_s'):.1f}x, end to end "
          f"{e2e_ratio:.1f}x (medians {e2e_ratio_med:.1f}x); jieba dictionary load {jieba_init:.2f} s not counted")
    res["speedup"] = {"train": ratio("train_s"), "score_all": ratio("score_all_s"), "end_to_end": e2e_ratio,
                      "end_to_end_median": e2e_ratio_med}
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
