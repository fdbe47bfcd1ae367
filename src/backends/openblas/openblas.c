/*
 * openblas.c - the OpenBLAS + LAPACKE provider (only when found at configure time).
 */
#include "backends/backend.h"

#ifndef BNDL_HAVE_OPENBLAS
const bndl_backend_ops *bndl_backend_openblas(void) { return NULL; }
#endif
