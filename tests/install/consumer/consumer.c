/*
 * consumer.c - what a downstream program does first: include the installed header,
 * check that the loaded library matches it, and create and free a context.
 */
#include <stdio.h>
#include <string.h>

#include <bundle/bundle.h>

int main(void) {
  if (!BNDL_CHECK_ABI()) {
    fprintf(stderr, "ABI mismatch: headers %d, library %d\n", (int)BNDL_ABI_VERSION, (int)bndl_abi_version());
    return 1;
  }
  if (strcmp(bndl_version_string(), BNDL_VERSION_STRING) != 0) {
    fprintf(stderr, "version mismatch: headers %s, library %s\n", BNDL_VERSION_STRING, bndl_version_string());
    return 1;
  }
  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = 2;
  bndl_context *ctx = NULL;
  if (bndl_context_create(&desc, &ctx) != BNDL_OK) {
    fprintf(stderr, "bndl_context_create failed: %s\n", bndl_last_error_message());
    return 1;
  }
  printf("libbundle %s (ABI %d), %d threads\n", bndl_version_string(), (int)bndl_abi_version(),
         (int)bndl_context_threads(ctx));
  bndl_context_free(ctx);
  return 0;
}
