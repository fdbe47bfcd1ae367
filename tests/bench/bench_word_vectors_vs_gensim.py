#!/usr/bin/env python3
"""bench_word_vectors_vs_gensim.py - libbundle's skip-gram against gensim's Word2Vec on
the same sentences, same options, same thread count, in one script.

bench_word_vectors trains on a review corpus and dumps the sentences exactly as its
trainer saw them (tokens with a vector, one text per line) and its vectors. gensim then
trains sg=1 with the same dim, window, negatives, epochs, min_count, sample, alpha and
workers on those sentences (so vocabularies are identical; tokenization is not timed on
either side: libbundle's skip-gram time is its own phase, gensim's is Word2Vec.train).

Quality (nothing is labelled in these corpora, so agreement is the measure):
  * overlap@10: for the N most frequent words, the mean share of the 10 nearest
    neighbours (cosine) that libbundle and gensim have in common; gensim against gensim
    with another seed is the noise floor (two runs of one method differ this much);
  * the nearest words of a few probes, side by side.

  python3 tests/bench/bench_word_vectors_vs_gensim.py --bench build/tests/bench/bench_word_vectors \\
      --dataset beauty --threads 2 --probe great --probe smell
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def load_w2v_text(path):
    with open(path, encoding="utf-8") as f:
        n, dim = map(int, f.readline().split())
        words, vecs = [], np.zeros((n, dim), dtype=np.float32)
        for i in range(n):
            parts = f.readline().rstrip("\n").split(" ")
            words.append(parts[0])
            vecs[i] = np.asarray(parts[1:], dtype=np.float32)
    return words, vecs


def unit(m):
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return m / norms


def topk_neighbours(vecs, rows, k):
    u = unit(vecs)
    sims = u[rows] @ u.T
    sims[np.arange(len(rows)), rows] = -np.inf
    return np.argsort(-sims, axis=1, kind="stable")[:, :k]


def overlap(a, b):
    return float(np.mean([len(set(x) & set(y)) / len(x) for x, y in zip(a, b)]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--dataset", default="beauty")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--top", type=int, default=1000, help="frequent words compared")
    ap.add_argument("--probe", action="append", default=[])
    ap.add_argument("--set", action="append", default=[], help="config KEY=VALUE for libbundle")
    args = ap.parse_args()

    import gensim
    from gensim.models import Word2Vec

    tmp = tempfile.mkdtemp(prefix="wv_bench_")
    corpus, vectors = os.path.join(tmp, "corpus.txt"), os.path.join(tmp, "vectors.txt")
    cmd = [args.bench, "--threads", str(args.threads), "--runs", str(args.runs), "--dump-corpus", corpus,
           "--dump-vectors", vectors, args.dataset]
    for s in args.set:
        cmd += ["--set", s]
    for p in args.probe:
        cmd += ["--probe", p]
    ours = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    sentences = [line.split() for line in open(corpus, encoding="utf-8")]
    words, our_vecs = load_w2v_text(vectors)
    conf = dict(s.split("=", 1) for s in args.set)
    dim = int(conf.get("text.vector_dim", 64))
    window = int(conf.get("text.window", 5))
    neg = int(conf.get("text.vector_negatives", 5))
    epochs = int(conf.get("text.vector_epochs", 5))
    min_count = int(conf.get("text.vector_min_count", 5))
    sample = float(conf.get("text.vector_sample", 1e-3))
    alpha = float(conf.get("text.vector_lr", 0.025))

    def train_gensim(seed):
        m = Word2Vec(vector_size=dim, window=window, negative=neg, sg=1, hs=0, min_count=min_count, sample=sample,
                     alpha=alpha, min_alpha=alpha * 1e-4, workers=args.threads, seed=seed)
        m.build_vocab(sentences)
        best = None
        for _ in range(args.runs):
            t0 = time.perf_counter()
            m2 = Word2Vec(vector_size=dim, window=window, negative=neg, sg=1, hs=0, min_count=min_count,
                          sample=sample, alpha=alpha, min_alpha=alpha * 1e-4, workers=args.threads, seed=seed)
            m2.build_vocab(sentences)
            t1 = time.perf_counter()
            m2.train(sentences, total_examples=len(sentences), epochs=epochs)
            t = time.perf_counter() - t1
            if best is None or t < best[0]:
                best = (t, m2, t1 - t0)
        return best

    g_time, g1, g_vocab_s = train_gensim(1)
    _, g2, _ = train_gensim(2)
    assert len(g1.wv.index_to_key) == len(words), (len(g1.wv.index_to_key), len(words))
    # rows of gensim's vectors in our word order
    g1_vecs = np.stack([g1.wv[w] for w in words])
    g2_vecs = np.stack([g2.wv[w] for w in words])
    rows = np.arange(min(args.top, len(words)))
    k = 10
    ours_nn = topk_neighbours(our_vecs, rows, k)
    g1_nn = topk_neighbours(g1_vecs, rows, k)
    g2_nn = topk_neighbours(g2_vecs, rows, k)
    tokens = ours["tokens"]
    result = {
        "dataset": args.dataset, "threads": args.threads, "texts": ours["texts"], "tokens": tokens,
        "words": len(words), "dim": dim, "window": window, "negatives": neg, "epochs": epochs,
        "libbundle_skipgram_s": ours["skipgram_s"], "libbundle_train_s": ours["train_s"],
        "libbundle_words_per_s": round(tokens * epochs / ours["skipgram_s"]),
        "gensim_train_s": round(g_time, 3), "gensim_vocab_s": round(g_vocab_s, 3),
        "gensim_words_per_s": round(tokens * epochs / g_time),
        "speedup_skipgram": round(g_time / ours["skipgram_s"], 2),
        "overlap10_libbundle_gensim": round(overlap(ours_nn, g1_nn), 3),
        "overlap10_gensim_gensim": round(overlap(g1_nn, g2_nn), 3),
        "gensim": gensim.__version__,
    }
    print(json.dumps(result, ensure_ascii=False))
    for p in args.probe:
        if p not in g1.wv:
            continue
        print(f"{p}: libbundle {ours['nearest'].get(p, [])}", file=sys.stderr)
        print(f"{p}: gensim    {[w for w, _ in g1.wv.most_similar(p, topn=10)]}", file=sys.stderr)


if __name__ == "__main__":
    main()
