package bundle

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Neighbors is a sparse top-k result: per row, neighbour indices with scores, best first.
type Neighbors struct{ p *C.bndl_neighbors }

// Close frees the neighbours.
func (nb *Neighbors) Close() {
	if nb.p != nil {
		C.bndl_neighbors_free(nb.p)
		nb.p = nil
	}
}

// Rows is the number of rows.
func (nb *Neighbors) Rows() int64 { return int64(C.bndl_neighbors_rows(nb.p)) }

// Row is one row's neighbours and scores (copies).
func (nb *Neighbors) Row(r int64) ([]int32, []float32, error) {
	var cols *C.int32_t
	var scores *C.float
	var n C.int32_t
	var msg *C.char
	if err := check(C.bndlgo_neighbors_row(nb.p, C.int64_t(r), &cols, &scores, &n, &msg), msg); err != nil {
		return nil, nil, err
	}
	s := make([]float32, int(n))
	if n > 0 {
		copy(s, unsafe.Slice((*float32)(unsafe.Pointer(scores)), int(n)))
	}
	return copyInt32(cols, int(n)), s, nil
}

func wrapNeighbors(p *C.bndl_neighbors) *Neighbors {
	nb := &Neighbors{p}
	runtime.SetFinalizer(nb, (*Neighbors).Close)
	return nb
}

// SimilarItems computes item-item neighbours (sim.* keys of cfg, which may be nil).
func SimilarItems(ds *Dataset, cfg *Config) (*Neighbors, error) {
	var p *C.bndl_neighbors
	var msg *C.char
	if err := check(C.bndlgo_similarity_items(ds.p, cfg.ptr(), &p, &msg), msg); err != nil {
		return nil, err
	}
	return wrapNeighbors(p), nil
}

// Complements ranks each item's basket partners by lift.
func Complements(ds *Dataset, cfg *Config) (*Neighbors, error) {
	var p *C.bndl_neighbors
	var msg *C.char
	if err := check(C.bndlgo_copurchase_complements(ds.p, cfg.ptr(), &p, &msg), msg); err != nil {
		return nil, err
	}
	return wrapNeighbors(p), nil
}
