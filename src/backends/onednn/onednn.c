/*
 * onednn.c - the oneDNN provider (only when found at configure time).
 */
#include "backends/backend.h"

#ifndef BNDL_HAVE_ONEDNN
const bndl_backend_ops *bndl_backend_onednn(void) { return NULL; }
#endif
