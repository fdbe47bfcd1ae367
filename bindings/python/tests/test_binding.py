"""The Python binding against the real library: every wrapper on real data, errors with
the library's messages, lifetimes in any order.

Run by ctest (bindings/CMakeLists.txt) with LIBBUNDLE_PATH set to the built library and
BNDL_TEST_DATA / BNDL_SHARED_DATA set to the data folders; numpy is used when present.
"""
import gc
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import libbundle as lb  # noqa: E402

TEST_DATA = os.environ.get("BNDL_TEST_DATA", os.path.join(os.path.dirname(__file__), "../../../tests/data"))
SHARED = os.environ.get("BNDL_SHARED_DATA", "")
RETAIL = os.path.join(TEST_DATA, "online_retail_sample.csv.gz")


def retail(ctx, config=None):
    return lb.Dataset(ctx, config).load_table(RETAIL, "online_retail").finalize()


class LibraryTest(unittest.TestCase):
    def test_version_and_build_info(self):
        self.assertRegex(lb.version(), r"^\d+\.\d+\.\d+$")
        info = lb.build_info()
        self.assertEqual(info["abi"], lb.ABI_VERSION)
        self.assertTrue(lb.backends()["ref"])

    def test_context_settings(self):
        with lb.Context(threads=2, seed=7, backend="ref") as ctx:
            self.assertEqual(ctx.threads, 2)
            self.assertEqual(ctx.seed, 7)
            self.assertEqual(ctx.backend, "ref")
            with self.assertRaises(lb.BundleError) as e:
                ctx.backend = "no-such-backend"
            self.assertEqual(e.exception.status, lb.Status.NOT_FOUND)
            self.assertIn("no-such-backend", e.exception.message)

    def test_config_types_and_ranges(self):
        cfg = lb.Config({"sim.k": 7, "sim.measure": "bm25", "sim.shrink": 2.5})
        self.assertEqual(cfg["sim.k"], 7)
        self.assertEqual(cfg["sim.measure"], "bm25")
        self.assertAlmostEqual(cfg["sim.shrink"], 2.5)
        self.assertEqual(cfg["split.method"], "leave_last_out")  # default
        with self.assertRaises(lb.BundleError) as e:
            cfg["sim.k"] = -3
        self.assertEqual(e.exception.status, lb.Status.INVALID_ARGUMENT)
        with self.assertRaises(lb.BundleError) as e:
            cfg["no.such.key"] = 1
        self.assertEqual(e.exception.status, lb.Status.NOT_FOUND)


class DatasetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ctx = lb.Context(threads=2, seed=1)
        cls.ds = retail(cls.ctx)

    def test_counts_and_report(self):
        ds = self.ds
        self.assertGreater(ds.num_users, 100)
        self.assertGreater(ds.num_items, 100)
        report = ds.report()
        self.assertEqual(report["rows_read"], 25000)
        self.assertEqual(report["rows_read"], report["rows_kept"] + sum(ds.rows_dropped().values()))
        self.assertEqual(report["rows_dropped"], sum(ds.rows_dropped().values()))
        self.assertIn("CustomerID", report["dropped"]["missing_field"]["examples"][0])
        self.assertIn("duplicate", lb.drop_reasons().values())

    def test_ids_round_trip(self):
        for item in (0, 1, self.ds.num_items - 1):
            ext = self.ds.external_id(lb.Entity.ITEM, item)
            self.assertEqual(self.ds.find(lb.Entity.ITEM, ext), item)
        self.assertEqual(self.ds.external_id(lb.Entity.ITEM, 0), "85123A")
        self.assertEqual(self.ds.item_title(0), "WHITE HANGING HEART T-LIGHT HOLDER")
        with self.assertRaises(lb.BundleError) as e:
            self.ds.find(lb.Entity.ITEM, "not-an-item")
        self.assertEqual(e.exception.status, lb.Status.NOT_FOUND)

    def test_features_and_events(self):
        table, names = self.ds.features(lb.Entity.ITEM)
        self.assertEqual(len(table), self.ds.num_items)
        self.assertEqual(len(table[0]), len(names))
        self.assertIn("purchases", names)
        items, types, times = self.ds.user_events(0)
        self.assertEqual(len(items), len(types))
        self.assertEqual(list(times), sorted(times))

    def test_split_and_snapshot(self):
        train, valid, test = self.ds.split({"split.method": "leave_last_out"})
        self.assertEqual(valid.num_events, 0)  # no validation part was asked for
        self.assertEqual(train.num_items, self.ds.num_items)  # shared id maps
        self.assertGreater(test.num_events, 0)
        self.assertEqual(train.num_events + test.num_events, self.ds.num_events)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "retail.bndl")
            self.ds.save(path)
            back = lb.Dataset.load(self.ctx, path)
            self.assertEqual(back.num_events, self.ds.num_events)
            self.assertEqual(back.external_id(lb.Entity.USER, 3), self.ds.external_id(lb.Entity.USER, 3))

    def test_bad_file_message(self):
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("InvoiceNo,StockCode\n1,2\n")
        try:
            with self.assertRaises(lb.BundleError) as e:
                lb.Dataset(self.ctx).load_table(f.name, "online_retail")
            self.assertEqual(e.exception.status, lb.Status.FORMAT)
            self.assertIn(os.path.basename(f.name), e.exception.message)
        finally:
            os.unlink(f.name)

    def test_state_errors(self):
        ds = lb.Dataset(self.ctx)
        with self.assertRaises(lb.BundleError) as e:
            ds.features(lb.Entity.ITEM)
        self.assertEqual(e.exception.status, lb.Status.STATE)
        with self.assertRaises(ValueError):
            ds.close()
            ds.finalize()


class ComputeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ctx = lb.Context(threads=2, seed=1)
        cls.ds = retail(cls.ctx)

    def test_similar_items(self):
        nb = lb.similar_items(self.ds, {"sim.k": 5})
        self.assertEqual(len(nb), self.ds.num_items)
        cols, scores = nb.row(0)
        self.assertLessEqual(len(cols), 5)
        self.assertEqual(list(scores), sorted(scores, reverse=True))
        self.assertNotIn(0, list(cols))

    def test_embeddings_matches_brute_force(self):
        items = [[1.0, 0.0], [0.0, 1.0], [0.7, 0.7], [-1.0, 0.0]]
        nb = lb.similar_embeddings(self.ctx, [[1.0, 0.1]], items, k=2)
        cols, scores = nb.row(0)
        self.assertEqual(list(cols), [0, 2])
        self.assertAlmostEqual(float(scores[0]), 1.0 / (1.01 ** 0.5), places=5)

    def test_itemsets_rules_complements(self):
        sets = lb.itemsets(self.ds, {"fp.min_support": 0.02})
        self.assertGreater(len(sets), 0)
        items, count = sets[len(sets) - 1]
        self.assertGreaterEqual(count, 0.02 * sets.baskets)
        rules = sets.rules({"rule.min_confidence": 0.3})
        for i in range(len(rules)):
            a, c, m = rules[i]
            self.assertGreaterEqual(m["confidence"], 0.3)
            self.assertTrue(a and c)
        self.assertEqual(len(lb.complements(self.ds)), self.ds.num_items)

    def test_ease_scores(self):
        model = lb.ease(self.ds, {"ease.lambda": 100})
        self.assertEqual(model.kind, "ease")
        items, _, _ = self.ds.user_events(0)
        scores = model.score(list(items)[:5])
        self.assertEqual(len(scores), self.ds.num_items)
        with self.assertRaises(lb.BundleError) as e:
            model.score([self.ds.num_items + 5])
        self.assertEqual(e.exception.status, lb.Status.INVALID_ARGUMENT)


class TextTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ctx = lb.Context(threads=2, seed=1)

    def test_tokenize(self):
        self.assertEqual(lb.tokenize(self.ctx, "I don't like it."), ["i", "do", "not", "NOT_like", "NOT_it", "."])
        with self.assertRaises(lb.BundleError) as e:
            lb.tokenize(self.ctx, b"bad \xff byte")
        self.assertEqual(e.exception.status, lb.Status.FORMAT)

    def test_text_model_round_trip(self):
        pos = ["great product, love it", "works great", "excellent quality", "love the color", "very good"]
        neg = ["terrible, broke fast", "awful quality", "do not buy", "very bad", "broke after a day"]
        texts, labels = pos * 4 + neg * 4, [1] * 20 + [0] * 20
        model = lb.TextModel.train(self.ctx, texts, labels, {"text.min_df": 1})
        self.assertGreater(model.predict("great quality, love it"), 0.5)
        self.assertLess(model.predict("awful, broke"), 0.5)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.bin")
            model.save(path)
            back = lb.TextModel.load(self.ctx, path)
            self.assertEqual(back.predict("very good"), model.predict("very good"))

    @unittest.skipUnless(SHARED and os.path.isdir(os.path.join(SHARED, "lexicons")), "no shared lexicons")
    def test_lexicon(self):
        lex = lb.Lexicon(self.ctx, os.path.join(SHARED, "lexicons"))
        self.assertGreater(lex.score("This is a great product"), 0.3)
        self.assertLess(lex.score("This is not good at all"), 0)
        self.assertGreater(lex.score("质量很好，非常满意"), 0)


class ReviewTextTest(unittest.TestCase):
    """Keywords, review sentiment features and word vectors on the Amazon cells reviews
    and a small hand-made catalogue."""

    @classmethod
    def setUpClass(cls):
        cls.ctx = lb.Context(threads=2, seed=4)

    def test_keywords_of_documents(self):
        docs = ["the battery lasts long, battery life is great, great battery",
                "屏幕很清晰，屏幕颜色好看，屏幕很大", "fast shipping"]
        kw = lb.keywords(self.ctx, docs, {"text.keywords": 3})
        self.assertEqual(len(kw), 3)
        self.assertEqual(kw[0][0][0], "battery")
        self.assertEqual(kw[1][0][0], "屏幕")
        self.assertEqual([s for _, s in kw[0]], sorted([s for _, s in kw[0]], reverse=True))

    @unittest.skipUnless(SHARED and os.path.isdir(os.path.join(SHARED, "lexicons")), "no shared lexicons")
    def test_item_keywords_and_sentiment_features(self):
        lex = lb.Lexicon(self.ctx, os.path.join(SHARED, "lexicons"))
        path = os.path.join(SHARED, "reviews_en", "All_Beauty_5.json.gz")
        if not os.path.exists(path):
            self.skipTest("no All_Beauty reviews")
        ds = lb.Dataset(self.ctx).set_sentiment(lex)
        ds.load_table(path, "amazon_reviews_json").finalize()
        table, names = ds.features(lb.Entity.ITEM)
        self.assertIn("sentiment_mean", names)
        col = names.index("sentiment_mean")
        rated = [row[col] for row in table if row[col] == row[col]]  # NaN-free
        self.assertGreater(len(rated), 10)
        self.assertGreater(sum(rated) / len(rated), 0)  # beauty reviews are mostly positive
        words = ds.item_keywords(0)
        self.assertTrue(words and all(isinstance(w, str) and sc > 0 for w, sc in words))

    def test_word_vectors_and_text_similarity(self):
        texts = (["the red shirt is soft cotton", "a soft cotton shirt in blue", "cotton shirt, red and soft"] * 30 +
                 ["the phone battery charges fast", "fast charger for the phone battery",
                  "battery of my phone lasts"] * 30)
        wv = lb.WordVectors.train(self.ctx, texts, {"text.vector_dim": 16, "text.vector_min_count": 2})
        self.assertEqual(wv.dim, 16)
        self.assertEqual(wv.word(wv.index("cotton")), "cotton")
        self.assertEqual(len(wv.vector("phone")), 16)
        near = wv.nearest("battery", k=4)
        self.assertEqual(len(near), 4)
        self.assertNotIn("battery", [w for w, _ in near])
        self.assertEqual([c for _, c in near], sorted([c for _, c in near], reverse=True))
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "wv.bin")
            wv.save(path)
            back = lb.WordVectors.load(self.ctx, path)
            self.assertEqual(list(back.vector("shirt")), list(wv.vector("shirt")))
        with self.assertRaises(lb.BundleError) as e:
            wv.index("zebra")
        self.assertEqual(e.exception.status, lb.Status.NOT_FOUND)

    def test_item_text_vectors_of_titles(self):
        ds = retail(self.ctx)  # Online Retail item descriptions are catalogue titles
        cfg = {"text.vector_dim": 16, "sim.k": 3}
        wv = lb.WordVectors.train_dataset(ds, cfg)
        vectors, has_text = lb.item_text_vectors(ds, wv, cfg)
        self.assertEqual((len(vectors), len(vectors[0])), (ds.num_items, 16))
        self.assertGreater(sum(has_text), ds.num_items // 2)
        first = [i for i, t in enumerate(has_text) if t][0]
        self.assertAlmostEqual(sum(float(v) * float(v) for v in vectors[first]), 1.0, places=4)
        nb = lb.similar_items_text(ds, wv, cfg)
        cols, scores = nb.row(first)
        self.assertLessEqual(len(cols), 3)
        self.assertNotIn(first, list(cols))
        # the same vectors computed at finalize
        self.assertIsNone(ds.text_vectors())
        again = lb.Dataset(self.ctx, cfg).set_word_vectors(wv)
        again.load_table(RETAIL, "online_retail").finalize()
        at_finalize, flags = again.text_vectors()
        self.assertEqual(flags, has_text)
        self.assertEqual([float(v) for v in at_finalize[first]], [float(v) for v in vectors[first]])


class ModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ctx = lb.Context(threads=2, seed=3)
        cls.ds = retail(cls.ctx)
        cls.cfg = {"model.dim": 16, "model.max_len": 10, "model.layers": 1, "train.epochs": 3,
                   "train.loss": "sampled_softmax", "train.negatives": 64}

    def test_train_recommend_save_load(self):
        train, valid, test = self.ds.split({"split.with_valid": 1})
        model = lb.Model.create(self.ds, self.cfg)
        self.assertEqual((model.kind, model.dim, model.num_items), ("transformer", 16, self.ds.num_items))
        seen = []
        summary = model.train(train, valid, self.cfg, progress=lambda p: seen.append(p))
        self.assertEqual([p["epoch"] for p in seen], [1, 2, 3])
        self.assertEqual(summary["epochs"], 3)
        self.assertGreater(summary["steps"], 0)
        history = list(self.ds.user_events(0)[0])
        items, scores = model.recommend(history, k=5)
        self.assertEqual(len(items), 5)
        self.assertTrue(set(items).isdisjoint(history))
        self.assertEqual(list(scores), sorted(scores, reverse=True))
        self.assertEqual(model.item_index(model.item_id(items[0])), items[0])
        self.assertEqual(len(model.encode(history)), 16)
        back = lb.Model.from_bytes(self.ctx, model.to_bytes())
        self.assertEqual(list(back.recommend(history, k=5)[0]), list(items))
        self.assertEqual(back.summary(), summary)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.bndm")
            model.save(path)
            self.assertEqual(lb.Model.load(self.ctx, path).to_bytes(), model.to_bytes())

    def test_progress_cancels_and_raises(self):
        model = lb.Model.create(self.ds, self.cfg)
        with self.assertRaises(lb.BundleError) as e:
            model.train(self.ds, None, self.cfg, progress=lambda p: p["epoch"] >= 1)
        self.assertEqual(e.exception.status, lb.Status.CANCELLED)
        self.assertEqual(model.summary()["epochs"], 1)

        def boom(p):
            raise KeyError("from the callback")
        with self.assertRaises(KeyError):
            model.train(self.ds, None, self.cfg, progress=boom)

    def test_bad_history(self):
        model = lb.Model.create(self.ds, self.cfg)
        with self.assertRaises(lb.BundleError) as e:
            model.recommend([self.ds.num_items + 3])
        self.assertEqual(e.exception.status, lb.Status.INVALID_ARGUMENT)
        with self.assertRaises(lb.BundleError) as e:
            model.item_index("not-an-item")
        self.assertEqual(e.exception.status, lb.Status.NOT_FOUND)


class LifetimeTest(unittest.TestCase):
    def test_children_outlive_parents(self):
        ctx = lb.Context(threads=1)
        ds = retail(ctx)
        nb = lb.similar_items(ds, {"sim.k": 3})
        ctx.close()
        del ds
        gc.collect()
        cols, _ = nb.row(1)  # the neighbours still hold what they need
        self.assertLessEqual(len(cols), 3)


if __name__ == "__main__":
    unittest.main()
