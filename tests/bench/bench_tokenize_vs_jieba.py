#!/usr/bin/env python3
"""Chinese segmentation of bench_tokenize against jieba on the same reviews.

    bench_tokenize --learn 5 --dump /tmp/tok/shop        # writes /tmp/tok/shop.<dict>.txt
    python3 bench_tokenize_vs_jieba.py /tmp/tok/shop [--limit N]

For every dictionary bench_tokenize dumped (built-in, lexicon, learn, lex+learn) and
every review, the CJK words jieba finds (jieba.lcut, default dictionary, HMM on) are
compared by byte span with ours:
  precision: of our dictionary-word tokens ('*' in the dump) made of ideographs, the
             share that jieba also cuts at exactly that span;
  recall:    of jieba's words made of ideographs, the share that is one of our tokens
             at that span (a fallback bigram that happens to be jieba's word counts).
jieba is not ground truth (it has its own errors), so this measures agreement with the
reference segmenter the issue names. Also times jieba.lcut over the same texts (one
core), the number to hold against bench_tokenize's time.

Reviews are read with Python's csv module from the same gzip file, in file order, which
is the order the reviews_zh_shopping preset loads them in; a review whose dumped tokens do
not match its own bytes (a loader that changed the text) is skipped and counted.
"""
import csv
import gzip
import os
import sys
import time


def is_ideo(ch):
    cp = ord(ch)
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x3FFFF
            or 0xF900 <= cp <= 0xFAFF)


def main():
    prefix = sys.argv[1]
    limit = None
    if "--limit" in sys.argv:
        limit = int(sys.argv[sys.argv.index("--limit") + 1])
    data = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")
    path = os.path.join(data, "reviews_zh", "online_shopping_10_cats.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[1:]
    texts = [r[2] for r in rows]
    if limit:
        texts = texts[:limit]

    import jieba
    jieba.setLogLevel(60)
    jieba.initialize()
    t0, c0 = time.perf_counter(), time.process_time()
    jw = [jieba.lcut(t) for t in texts]
    print(f"jieba.lcut (HMM on): {len(texts)} reviews in {time.perf_counter() - t0:.2f} s wall, "
          f"{time.process_time() - c0:.2f} s CPU")
    t0, c0 = time.perf_counter(), time.process_time()
    for t in texts:
        jieba.lcut(t, HMM=False)
    print(f"jieba.lcut (HMM off): {time.perf_counter() - t0:.2f} s wall, {time.process_time() - c0:.2f} s CPU")

    jspans = []
    for t, words in zip(texts, jw):
        spans, pos = set(), 0
        b = t.encode("utf-8")
        off = 0
        for w in words:
            wb = len(w.encode("utf-8"))
            if all(is_ideo(c) for c in w):
                spans.add((off, off + wb))
            off += wb
        jspans.append(spans)

    for name in ("built-in", "lexicon", "learn", "lex+learn"):
        fn = f"{prefix}.{name}.txt"
        if not os.path.exists(fn):
            continue
        ours_words = ours_hit = j_total = j_hit = skipped = 0
        with open(fn, encoding="utf-8") as f:
            for i, line in enumerate(f):
                if i >= len(texts):
                    break
                b = texts[i].encode("utf-8")
                toks = []
                ok = True
                for item in line.rstrip("\n").split(" ") if line.strip() else []:
                    off, _, tok = item.partition(":")
                    star = tok.endswith("*")
                    tok = tok[:-1] if star else tok
                    tb = tok.encode("utf-8")
                    o = int(off)
                    if all(is_ideo(c) for c in tok):
                        if b[o:o + len(tb)] != tb:
                            ok = False
                            break
                        toks.append((o, o + len(tb), star))
                if not ok:
                    skipped += 1
                    continue
                spans = {(s, e) for s, e, _ in toks}
                for s, e, star in toks:
                    if star:
                        ours_words += 1
                        ours_hit += (s, e) in jspans[i]
                j_total += len(jspans[i])
                j_hit += len(jspans[i] & spans)
        print(f"{name:10s} precision {100.0 * ours_hit / max(ours_words, 1):5.1f}% of {ours_words} dictionary words, "
              f"recall {100.0 * j_hit / max(j_total, 1):5.1f}% of jieba's {j_total} words"
              + (f" ({skipped} reviews skipped: text differs)" if skipped else ""))


if __name__ == "__main__":
    main()
