package bundle

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// The sample data of the repository (tests/data), or $BNDL_TEST_DATA.
func sample(t *testing.T) string {
	dir := os.Getenv("BNDL_TEST_DATA")
	if dir == "" {
		dir = "../../tests/data"
	}
	return filepath.Join(dir, "online_retail_sample.csv.gz")
}

func retail(t *testing.T, ctx *Context) *Dataset {
	t.Helper()
	ds, err := NewDataset(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.LoadTable(sample(t), "online_retail"); err != nil {
		t.Fatal(err)
	}
	if err := ds.Finalize(); err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestABIAndVersion(t *testing.T) {
	if err := CheckABI(); err != nil {
		t.Fatal(err)
	}
	if Version() == "" {
		t.Fatal("empty version")
	}
}

func TestDatasetReportAndIDs(t *testing.T) {
	ctx, err := NewContext(2, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	ds := retail(t, ctx)
	defer ds.Close()
	if ds.RowsRead() != 25000 {
		t.Fatalf("rows read %d, want 25000", ds.RowsRead())
	}
	var report struct {
		RowsRead    int64 `json:"rows_read"`
		RowsKept    int64 `json:"rows_kept"`
		RowsDropped int64 `json:"rows_dropped"`
	}
	js, err := ds.ReportJSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &report); err != nil {
		t.Fatal(err)
	}
	if report.RowsRead != report.RowsKept+report.RowsDropped || report.RowsKept != ds.RowsKept() {
		t.Fatalf("report %+v does not add up (kept %d)", report, ds.RowsKept())
	}
	id, err := ds.ExternalID(Item, 0)
	if err != nil || id != "85123A" {
		t.Fatalf("item 0 is %q (%v), want 85123A", id, err)
	}
	back, err := ds.Find(Item, id)
	if err != nil || back != 0 {
		t.Fatalf("find %q = %d (%v)", id, back, err)
	}
	_, err = ds.Find(Item, "no-such-item")
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusNotFound {
		t.Fatalf("want a NotFound error, got %v", err)
	}
}

func TestErrorsCarryTheMessage(t *testing.T) {
	ctx, _ := NewContext(1, 1)
	defer ctx.Close()
	err := ctx.SetBackend("no-such-backend")
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusNotFound || e.Message == "" {
		t.Fatalf("want NotFound with a message, got %v", err)
	}
	if _, err := NewConfig(map[string]string{"sim.k": "-1"}); err == nil {
		t.Fatal("sim.k = -1 accepted")
	}
	ds, _ := NewDataset(ctx, nil)
	defer ds.Close()
	err = ds.LoadTable("/no/such/file.csv", "online_retail")
	if !errors.As(err, &e) || e.Status != StatusIO {
		t.Fatalf("want IO for a missing file, got %v", err)
	}
}

// Errors must not be mixed up between goroutines that fail at the same time: each
// message names its own missing path although goroutines migrate between OS threads.
func TestErrorsPerGoroutine(t *testing.T) {
	ctx, _ := NewContext(2, 1)
	defer ctx.Close()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			ds, _ := NewDataset(ctx, nil)
			defer ds.Close()
			path := filepath.Join("/no/such/dir", string(rune('a'+g))+".csv")
			for i := 0; i < 50; i++ {
				err := ds.LoadTable(path, "online_retail")
				var e *Error
				if !errors.As(err, &e) || !contains(e.Message, path) {
					t.Errorf("goroutine %d: message %v does not name %s", g, err, path)
					return
				}
				runtime.Gosched()
			}
		}(g)
	}
	wg.Wait()
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestSimilarityAndSplit(t *testing.T) {
	ctx, _ := NewContext(2, 1)
	defer ctx.Close()
	ds := retail(t, ctx)
	cfg, err := NewConfig(map[string]string{"sim.k": "5"})
	if err != nil {
		t.Fatal(err)
	}
	defer cfg.Close()
	nb, err := SimilarItems(ds, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer nb.Close()
	if nb.Rows() != ds.Count(Item) {
		t.Fatalf("%d rows for %d items", nb.Rows(), ds.Count(Item))
	}
	cols, scores, err := nb.Row(0)
	if err != nil || len(cols) > 5 || len(cols) != len(scores) {
		t.Fatalf("row 0: %v %v %v", cols, scores, err)
	}
	for i := 1; i < len(scores); i++ {
		if scores[i] > scores[i-1] {
			t.Fatalf("scores not descending: %v", scores)
		}
	}
	train, _, test, err := ds.Split(nil)
	if err != nil {
		t.Fatal(err)
	}
	if train.NumEvents()+test.NumEvents() != ds.NumEvents() {
		t.Fatalf("split lost events: %d + %d != %d", train.NumEvents(), test.NumEvents(), ds.NumEvents())
	}
	// Children outlive the parent's Go value and the context.
	ds.Close()
	ctx.Close()
	items, err := train.UserItems(0)
	if err != nil || len(items) == 0 {
		t.Fatalf("train user 0 after closing the parent: %v %v", items, err)
	}
	dir := t.TempDir()
	if err := train.Save(filepath.Join(dir, "train.bndl")); err != nil {
		t.Fatal(err)
	}
}

func TestModelTrainRecommendSave(t *testing.T) {
	ctx, _ := NewContext(2, 5)
	defer ctx.Close()
	ds := retail(t, ctx)
	defer ds.Close()
	cfg, err := NewConfig(map[string]string{"model.dim": "16", "model.max_len": "10", "model.layers": "1",
		"train.epochs": "3", "train.loss": "sampled_softmax", "train.negatives": "64"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewModel(ds, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var epochs []int64
	if err := m.Train(ds, nil, cfg, func(p TrainProgress) bool { epochs = append(epochs, p.Epoch); return false }); err != nil {
		t.Fatal(err)
	}
	if len(epochs) != 3 || epochs[2] != 3 {
		t.Fatalf("progress epochs %v", epochs)
	}
	sum, err := m.Summary()
	if err != nil || sum.Epochs != 3 {
		t.Fatalf("summary %+v %v", sum, err)
	}
	history, _ := ds.UserItems(0)
	items, scores, err := m.Recommend(history, 5)
	if err != nil || len(items) != 5 || scores[0] < scores[4] {
		t.Fatalf("recommend: %v %v %v", items, scores, err)
	}
	path := filepath.Join(t.TempDir(), "m.bndm")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadModel(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	again, _, _ := back.Recommend(history, 5)
	for i := range items {
		if items[i] != again[i] {
			t.Fatalf("reloaded model recommends %v, not %v", again, items)
		}
	}
	if id, err := back.ItemID(items[0]); err != nil || id == "" {
		t.Fatalf("item id: %q %v", id, err)
	}
	// A callback that asks to stop cancels with the library's status.
	err = m.Train(ds, nil, cfg, func(p TrainProgress) bool { return true })
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusCancelled {
		t.Fatalf("want Cancelled, got %v", err)
	}
}
