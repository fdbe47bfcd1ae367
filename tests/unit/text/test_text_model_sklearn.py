#!/usr/bin/env python3
"""The classifier's TF-IDF and logistic regression against scikit-learn.

text_model_dump (the static library's tokenizer, n-gram keys, corpus fit and TRON with a
tight tolerance) runs on a generated English + Chinese corpus; this script feeds the same
per-document keys to sklearn's TfidfVectorizer(sublinear_tf=True, smooth_idf=True,
norm='l2', min_df) and fits sklearn's LogisticRegression (lbfgs: L2 on the weights, the
intercept unpenalised, as ours) on our matrix. Checks: the same vocabulary, idf within
1e-12, matrix entries within 1e-6 (ours are float32), weights and bias within 1e-4.

Exits 77 (ctest: skipped) when numpy, scipy or scikit-learn is missing: CI does not
install scikit-learn (python3 -m pip install scikit-learn to run it).
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
except ImportError as e:  # pragma: no cover
    print(f"skipping: {e} (python3 -m pip install numpy scipy scikit-learn)")
    sys.exit(77)

POS = ["great", "good", "excellent", "love", "perfect", "happy", "好", "满意", "喜欢", "推荐"]
NEG = ["bad", "poor", "terrible", "hate", "broken", "awful", "差", "失望", "退货", "垃圾"]
FILL = ["phone", "case", "battery", "screen", "the", "it", "is", "very", "手机", "质量", "物流", "屏幕", "!", ","]


def corpus(n, seed):
    r = random.Random(seed)
    rows = []
    for i in range(n):
        label = i % 2
        words = []
        for _ in range(r.randint(3, 12)):
            u = r.random()
            if u < 0.3:
                words.append(r.choice(POS if label else NEG))
            elif u < 0.38:
                words.append(r.choice(NEG if label else POS))
            elif u < 0.45:
                words.append("not")
            else:
                words.append(r.choice(FILL))
        sep = "" if r.random() < 0.3 else " "
        rows.append((label, sep.join(words)))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dumper", required=True)
    a = ap.parse_args()
    C, min_df = 4.0, 2
    with tempfile.TemporaryDirectory() as d:
        rows = corpus(600, 5)
        path = os.path.join(d, "corpus.tsv")
        with open(path, "w", encoding="utf-8") as f:
            for label, text in rows:
                f.write(f"{label}\t{text}\n")
        subprocess.run([a.dumper, path, d, str(C), str(min_df), "2", "3"], check=True)
        with open(os.path.join(d, "keys.txt"), encoding="utf-8") as f:
            docs = [line.rstrip("\n").split("\t") if line.strip("\n") else [] for line in f]
        vocab, idf = [], []
        with open(os.path.join(d, "vocab.tsv"), encoding="utf-8") as f:
            for line in f:
                k, v = line.rstrip("\n").rsplit("\t", 1)
                vocab.append(k)
                idf.append(float(v))
        Xr = np.loadtxt(os.path.join(d, "X.tsv"), ndmin=2)
        model = np.loadtxt(os.path.join(d, "model.tsv"))
    n, m = len(docs), len(vocab)
    assert n == len(rows), (n, len(rows))
    vec = TfidfVectorizer(analyzer=lambda doc: doc, sublinear_tf=True, smooth_idf=True, norm="l2", min_df=min_df,
                          dtype=np.float64)
    Xs = vec.fit_transform(docs)
    assert set(vec.vocabulary_) == set(vocab), "vocabularies differ"
    col = np.array([vec.vocabulary_[k] for k in vocab])
    err_idf = max(abs(vec.idf_[col[j]] - idf[j]) / idf[j] for j in range(m))
    assert err_idf <= 1e-12, f"idf differs by {err_idf}"
    X = sp.csr_matrix((Xr[:, 2], (Xr[:, 0].astype(int), Xr[:, 1].astype(int))), shape=(n, m))
    err_x = abs(X - Xs[:, col]).max()
    assert err_x <= 1e-6, f"TF-IDF differs by {err_x}"
    y = np.array([label for label, _ in rows])
    lr = LogisticRegression(C=C, tol=1e-12, max_iter=100000).fit(X, y)
    w, b = model[1:], model[0]
    err_w = np.abs(lr.coef_[0] - w).max()
    err_b = abs(lr.intercept_[0] - b)
    print(f"{n} documents, {m} features; max |idf diff| {err_idf:.2e}, |X diff| {err_x:.2e}, "
          f"|w diff| {err_w:.2e}, |b diff| {err_b:.2e}")
    assert err_w <= 1e-4 and err_b <= 1e-4, "weights differ"
    print("OK")


if __name__ == "__main__":
    main()
