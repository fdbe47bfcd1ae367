package bundle

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"runtime/cgo"
	"unsafe"
)

// Model is a behaviour-sequence encoder (Transformer or LSTM) with its item ids.
// Recommend may be called from any number of goroutines; Train is exclusive.
type Model struct{ p *C.bndl_model }

// TrainProgress is what a progress callback receives after each epoch.
type TrainProgress struct {
	Epoch, Epochs, Step int64
	Loss, Metric        float64 // Metric: validation NDCG@K of the epoch (NaN when not validated)
	BestMetric          float64
	BestEpoch           int64
	Seconds, ETASeconds float64
}

// TrainSummary is the training record saved with a model.
type TrainSummary struct {
	Epochs, Steps, BestEpoch int64
	BestMetric, FinalLoss    float64
}

func wrapModel(p *C.bndl_model) *Model {
	m := &Model{p}
	runtime.SetFinalizer(m, (*Model).Close)
	return m
}

// NewModel creates an untrained model over a finalized dataset's items (model.* keys).
func NewModel(ds *Dataset, cfg *Config) (*Model, error) {
	var p *C.bndl_model
	var msg *C.char
	if err := check(C.bndlgo_model_create(ds.p, cfg.ptr(), &p, &msg), msg); err != nil {
		return nil, err
	}
	return wrapModel(p), nil
}

// LoadModel reads a model file written by Save.
func LoadModel(ctx *Context, path string) (*Model, error) {
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	var p *C.bndl_model
	var msg *C.char
	if err := check(C.bndlgo_model_load(ctx.p, cp, &p, &msg), msg); err != nil {
		return nil, err
	}
	return wrapModel(p), nil
}

// Close frees the model.
func (m *Model) Close() {
	if m.p != nil {
		C.bndl_model_free(m.p)
		m.p = nil
	}
}

// Save writes the model atomically to one versioned, checksummed file.
func (m *Model) Save(path string) error {
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	var msg *C.char
	return check(C.bndlgo_model_save(m.p, cp, &msg), msg)
}

// NumItems is the number of items the model scores.
func (m *Model) NumItems() int64 { return int64(C.bndl_model_num_items(m.p)) }

//export bndlgoTrainProgress
func bndlgoTrainProgress(handle C.uintptr_t, p *C.bndl_train_progress) C.int32_t {
	fn := cgo.Handle(handle).Value().(func(TrainProgress) bool)
	stop := fn(TrainProgress{
		Epoch: int64(p.epoch), Epochs: int64(p.epochs), Step: int64(p.step), Loss: float64(p.loss),
		Metric: float64(p.metric), BestMetric: float64(p.best_metric), BestEpoch: int64(p.best_epoch),
		Seconds: float64(p.seconds), ETASeconds: float64(p.eta_seconds),
	})
	if stop {
		return 1
	}
	return 0
}

// Train trains on train (valid may be nil: leave-last-out inside train) with the
// train.* keys; progress (may be nil) runs after each epoch and returns true to stop.
func (m *Model) Train(train, valid *Dataset, cfg *Config, progress func(TrainProgress) bool) error {
	var h C.uintptr_t
	if progress != nil {
		handle := cgo.NewHandle(progress)
		defer handle.Delete()
		h = C.uintptr_t(handle)
	}
	var va *C.bndl_dataset
	if valid != nil {
		va = valid.p
	}
	var msg *C.char
	return check(C.bndlgo_model_train(m.p, train.p, va, cfg.ptr(), h, &msg), msg)
}

// Summary is the model's training record.
func (m *Model) Summary() (TrainSummary, error) {
	var s C.bndl_train_summary
	var msg *C.char
	if err := check(C.bndlgo_model_train_summary(m.p, &s, &msg), msg); err != nil {
		return TrainSummary{}, err
	}
	return TrainSummary{int64(s.epochs), int64(s.steps), int64(s.best_epoch), float64(s.best_metric),
		float64(s.final_loss)}, nil
}

// Recommend returns the k best items after a history of item indices (oldest first),
// the history itself excluded.
func (m *Model) Recommend(history []int32, k int) ([]int32, []float32, error) {
	if len(history) == 0 {
		history = []int32{}
	}
	items := make([]int32, k)
	scores := make([]float32, k)
	var n C.int64_t
	var msg *C.char
	var hp *C.int32_t
	if len(history) > 0 {
		hp = (*C.int32_t)(unsafe.Pointer(&history[0]))
	}
	var ip *C.int32_t
	var sp *C.float
	if k > 0 {
		ip = (*C.int32_t)(unsafe.Pointer(&items[0]))
		sp = (*C.float)(unsafe.Pointer(&scores[0]))
	}
	err := check(C.bndlgo_model_recommend(m.p, hp, C.int64_t(len(history)), C.int64_t(k), ip, sp, &n, &msg), msg)
	runtime.KeepAlive(history)
	if err != nil {
		return nil, nil, err
	}
	return items[:int(n)], scores[:int(n)], nil
}

// ItemID is the shop's id of an item index.
func (m *Model) ItemID(index int32) (string, error) {
	var id *C.char
	var msg *C.char
	if err := check(C.bndlgo_model_item_id(m.p, C.int32_t(index), &id, &msg), msg); err != nil {
		return "", err
	}
	return C.GoString(id), nil
}
