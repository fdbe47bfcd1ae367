// Package bundle is the Go binding of libbundle (cgo over libbundle.so.0).
//
// Every fallible call goes through a C shim (shim.c) that makes the library call and
// copies the error message in the same C frame, because a goroutine can change OS
// threads between two cgo calls and the library's last error is per thread. Errors
// are *Error values carrying the library's Status and message.
//
// Objects own one C handle each, released by Close (or a finalizer as a safety net).
// C objects keep their parents alive, so Go values may be closed in any order.
//
// Build: the headers and the library must be found by cgo: installed under a system
// prefix, or given with CGO_CFLAGS="-I<prefix>/include" CGO_LDFLAGS="-L<prefix>/lib".
package bundle

/*
#cgo LDFLAGS: -lbundle
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Status is a bndl_status code.
type Status int

// The status codes of bundle_types.h.
const (
	StatusOK              Status = 0
	StatusInvalidArgument Status = 1
	StatusOutOfMemory     Status = 2
	StatusNotFound        Status = 3
	StatusIO              Status = 4
	StatusFormat          Status = 5
	StatusVersion         Status = 6
	StatusUnsupported     Status = 7
	StatusBackend         Status = 8
	StatusState           Status = 9
	StatusBufferTooSmall  Status = 10
	StatusCancelled       Status = 11
	StatusBusy            Status = 12
	StatusLimit           Status = 13
	StatusInternal        Status = 99
)

func (s Status) String() string { return C.GoString(C.bndl_status_str(C.bndl_status(s))) }

// Error is a failed library call: its status and the library's message (function,
// argument, and for files path:line: field 'X' value 'Y').
type Error struct {
	Status  Status
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%v: %s", e.Status, e.Message) }

// check turns a shim's status and copied message into an error (freeing the copy).
func check(st C.int, msg *C.char) error {
	if st == 0 {
		return nil
	}
	text := "out of memory copying the error message"
	if msg != nil {
		text = C.GoString(msg)
		C.free(unsafe.Pointer(msg))
	}
	return &Error{Status: Status(st), Message: text}
}

// ABIVersion is the BNDL_ABI_VERSION this binding was written for.
const ABIVersion = 0

// CheckABI reports an error when the loaded library's ABI differs from ABIVersion.
func CheckABI() error {
	if got := int(C.bndl_abi_version()); got != ABIVersion {
		return fmt.Errorf("libbundle has ABI %d; this binding needs ABI %d", got, ABIVersion)
	}
	return nil
}

// Version is the loaded library's "X.Y.Z".
func Version() string { return C.GoString(C.bndl_version_string()) }

// Context holds the worker pool, the seed and the compute backend.
type Context struct{ p *C.bndl_context }

// NewContext creates a context with threads workers (0 = all CPUs) and a seed.
func NewContext(threads int, seed uint64) (*Context, error) {
	var p *C.bndl_context
	var msg *C.char
	if err := check(C.bndlgo_context_create(C.int32_t(threads), C.uint64_t(seed), &p, &msg), msg); err != nil {
		return nil, err
	}
	c := &Context{p}
	runtime.SetFinalizer(c, (*Context).Close)
	return c, nil
}

// Close releases the Go side's reference; objects made from the context keep it alive.
func (c *Context) Close() {
	if c.p != nil {
		C.bndl_context_free(c.p)
		c.p = nil
	}
}

// Threads is the pool size, the caller included.
func (c *Context) Threads() int { return int(C.bndl_context_threads(c.p)) }

// SetBackend selects "auto", "ref", "openblas" or "onednn".
func (c *Context) SetBackend(name string) error {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var msg *C.char
	return check(C.bndlgo_context_set_backend(c.p, cs, &msg), msg)
}

// Backend is the name of the backend in use.
func (c *Context) Backend() string { return C.GoString(C.bndl_context_backend(c.p)) }

// Config is a typed option bag set by dotted key names ("sim.k", "split.method").
type Config struct{ p *C.bndl_config }

// NewConfig creates a config holding the given options (values as text, checked by the
// library against each key's type and range).
func NewConfig(options map[string]string) (*Config, error) {
	var p *C.bndl_config
	var msg *C.char
	if err := check(C.bndlgo_config_create(&p, &msg), msg); err != nil {
		return nil, err
	}
	cfg := &Config{p}
	runtime.SetFinalizer(cfg, (*Config).Close)
	for k, v := range options {
		if err := cfg.Set(k, v); err != nil {
			cfg.Close()
			return nil, err
		}
	}
	return cfg, nil
}

// Set sets one key from text.
func (cfg *Config) Set(name, value string) error {
	cn, cv := C.CString(name), C.CString(value)
	defer C.free(unsafe.Pointer(cn))
	defer C.free(unsafe.Pointer(cv))
	var msg *C.char
	return check(C.bndlgo_config_set(cfg.p, cn, cv, &msg), msg)
}

// Close frees the config.
func (cfg *Config) Close() {
	if cfg != nil && cfg.p != nil {
		C.bndl_config_free(cfg.p)
		cfg.p = nil
	}
}

func (cfg *Config) ptr() *C.bndl_config {
	if cfg == nil {
		return nil
	}
	return cfg.p
}
