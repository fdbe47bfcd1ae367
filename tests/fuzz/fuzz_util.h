/*
 * fuzz_util.h - what the fuzz targets share: the libFuzzer entry point they define, a
 * scratch file for parsers that read paths, and the one context every iteration uses.
 *
 * A target is one LLVMFuzzerTestOneInput; it is linked either with libFuzzer (the
 * BNDL_FUZZ build, clang only) or with replay_main.c, a plain main() that feeds it every
 * corpus file (the replay tests of the normal suites, gcc, ASan and valgrind; TARGETS.md
 * R1-R4). Each iteration must free everything it made: LeakSanitizer checks.
 */
#ifndef BNDL_FUZZ_UTIL_H
#define BNDL_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The path of a per-process scratch file (in /dev/shm when it exists) now holding
 * exactly data[0..size); NULL if it cannot be written (the iteration is skipped). */
const char *fuzz_write_file(const uint8_t *data, size_t size);
/* Prints what broke an invariant (the call, its status and the library's message) and
 * aborts, so the fuzzer keeps the input and the log says why. */
void fuzz_unexpected(const char *call, bndl_status status);
/* A context with one thread (fuzzers run single-threaded) made once per process. */
bndl_context *fuzz_context(void);

#endif
