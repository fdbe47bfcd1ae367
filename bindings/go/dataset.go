package bundle

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Entity selects the id space of users, items, bundles or categories.
type Entity int

// Entities of bundle_types.h.
const (
	User     Entity = 1
	Item     Entity = 2
	Bundle   Entity = 3
	Category Entity = 4
)

// Dataset is events, catalogue, reviews and bundles: built, finalized, then read-only
// and safe to share between goroutines.
type Dataset struct {
	p   *C.bndl_dataset
	ctx *Context // keeps the Go value alive while the dataset is used
}

func newDataset(p *C.bndl_dataset, ctx *Context) *Dataset {
	ds := &Dataset{p, ctx}
	runtime.SetFinalizer(ds, (*Dataset).Close)
	return ds
}

// NewDataset creates an empty dataset; cfg (may be nil) sets loading and cleaning keys.
func NewDataset(ctx *Context, cfg *Config) (*Dataset, error) {
	var p *C.bndl_dataset
	var msg *C.char
	if err := check(C.bndlgo_dataset_create(ctx.p, &p, &msg), msg); err != nil {
		return nil, err
	}
	ds := newDataset(p, ctx)
	if cfg != nil {
		if err := check(C.bndlgo_dataset_configure(p, cfg.p, &msg), msg); err != nil {
			ds.Close()
			return nil, err
		}
	}
	return ds, nil
}

// LoadDataset reads a snapshot written by Save.
func LoadDataset(ctx *Context, path string) (*Dataset, error) {
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	var p *C.bndl_dataset
	var msg *C.char
	if err := check(C.bndlgo_dataset_load(ctx.p, cp, &p, &msg), msg); err != nil {
		return nil, err
	}
	return newDataset(p, ctx), nil
}

// Close frees the dataset.
func (ds *Dataset) Close() {
	if ds.p != nil {
		C.bndl_dataset_free(ds.p)
		ds.p = nil
	}
}

// LoadTable reads one file through a named preset ("online_retail", ...).
func (ds *Dataset) LoadTable(path, preset string) error {
	cname, cpath := C.CString(preset), C.CString(path)
	defer C.free(unsafe.Pointer(cname))
	defer C.free(unsafe.Pointer(cpath))
	var spec *C.bndl_table_spec
	var msg *C.char
	if err := check(C.bndlgo_table_spec_preset(cname, &spec, &msg), msg); err != nil {
		return err
	}
	defer C.bndl_table_spec_free(spec)
	return check(C.bndlgo_dataset_load_table(ds.p, cpath, spec, &msg), msg)
}

// Finalize cleans, indexes and freezes the dataset.
func (ds *Dataset) Finalize() error {
	var msg *C.char
	return check(C.bndlgo_dataset_finalize(ds.p, &msg), msg)
}

// Save writes a versioned, checksummed snapshot.
func (ds *Dataset) Save(path string) error {
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	var msg *C.char
	return check(C.bndlgo_dataset_save(ds.p, cp, &msg), msg)
}

// Count is the number of users, items, bundles or categories.
func (ds *Dataset) Count(e Entity) int64 { return int64(C.bndl_dataset_count(ds.p, C.bndl_entity(e))) }

// NumEvents is the number of kept events.
func (ds *Dataset) NumEvents() int64 { return int64(C.bndl_dataset_num_events(ds.p)) }

// RowsRead and RowsKept are the report's totals (read = kept + dropped).
func (ds *Dataset) RowsRead() int64 { return int64(C.bndl_dataset_rows_read(ds.p)) }

// RowsKept is the number of rows kept.
func (ds *Dataset) RowsKept() int64 { return int64(C.bndl_dataset_rows_kept(ds.p)) }

// ExternalID is the shop's id of a dense index.
func (ds *Dataset) ExternalID(e Entity, index int64) (string, error) {
	var out *C.char
	var msg *C.char
	if err := check(C.bndlgo_dataset_external_id(ds.p, C.int(e), C.int64_t(index), &out, &msg), msg); err != nil {
		return "", err
	}
	return C.GoString(out), nil
}

// Find is the dense index of a shop id.
func (ds *Dataset) Find(e Entity, id string) (int64, error) {
	cid := C.CString(id)
	defer C.free(unsafe.Pointer(cid))
	var out C.int64_t
	var msg *C.char
	if err := check(C.bndlgo_dataset_find(ds.p, C.int(e), cid, &out, &msg), msg); err != nil {
		return -1, err
	}
	return int64(out), nil
}

// ReportJSON is the cleaning report (rows read/kept, drops per reason with examples).
func (ds *Dataset) ReportJSON() ([]byte, error) {
	var buf *C.bndl_buffer
	var msg *C.char
	if err := check(C.bndlgo_dataset_report_json(ds.p, &buf, &msg), msg); err != nil {
		return nil, err
	}
	defer C.bndl_buffer_free(buf)
	return C.GoBytes(C.bndl_buffer_data(buf), C.int(C.bndl_buffer_size(buf))), nil
}

// UserItems is one user's items in time order (a copy).
func (ds *Dataset) UserItems(user int64) ([]int32, error) {
	var items *C.int32_t
	var n C.int64_t
	var msg *C.char
	if err := check(C.bndlgo_dataset_user_events(ds.p, C.int64_t(user), &items, &n, &msg), msg); err != nil {
		return nil, err
	}
	return copyInt32(items, int(n)), nil
}

// Split divides the dataset without leakage (split.* keys); valid is empty unless split.with_valid is set.
func (ds *Dataset) Split(cfg *Config) (train, valid, test *Dataset, err error) {
	var tr, va, te *C.bndl_dataset
	var msg *C.char
	if err = check(C.bndlgo_dataset_split(ds.p, cfg.ptr(), &tr, &va, &te, &msg), msg); err != nil {
		return nil, nil, nil, err
	}
	train, test = newDataset(tr, ds.ctx), newDataset(te, ds.ctx)
	if va != nil {
		valid = newDataset(va, ds.ctx)
	}
	return train, valid, test, nil
}

func copyInt32(p *C.int32_t, n int) []int32 {
	out := make([]int32, n)
	if n > 0 {
		copy(out, unsafe.Slice((*int32)(unsafe.Pointer(p)), n))
	}
	return out
}
