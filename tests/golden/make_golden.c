/*
 * make_golden.c - writes the golden dataset snapshot of the current format version.
 *
 * Run ONCE per new format version, then commit the file and never regenerate it: the
 * point of a golden file is that later libraries keep reading what an earlier one wrote
 * (TARGETS.md R11). For format 1.0:
 *
 *   cmake --build build --target make_golden
 *   build/tests/api/make_golden tests/golden/dataset_v1_0.bndl
 *
 * The dataset is golden_dataset.h's; its inputs are written to a fresh temporary
 * folder that the program changes into, so the report labels inside the file are
 * "./events.csv" and so on, not a machine-specific path. The program refuses to
 * overwrite an existing file.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "golden_dataset.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s OUTPUT.bndl\n", argv[0]);
    return 2;
  }
  if (access(argv[1], F_OK) == 0) {
    fprintf(stderr, "%s exists; golden files are written once and never regenerated\n", argv[1]);
    return 1;
  }
  char out[8200], cwd[4096];
  if (argv[1][0] == '/') {
    snprintf(out, sizeof out, "%s", argv[1]);
  } else {
    if (getcwd(cwd, sizeof cwd) == NULL)
      return 1;
    snprintf(out, sizeof out, "%s/%s", cwd, argv[1]);
  }
  char dir[] = "/tmp/bndl_golden_XXXXXX";
  if (mkdtemp(dir) == NULL || chdir(dir) != 0) {
    perror("temporary folder");
    return 1;
  }
  bndl_context_desc d = BNDL_CONTEXT_DESC_INIT;
  d.n_threads = 1;
  d.seed = 1;
  bndl_context *ctx = NULL;
  bndl_dataset *ds = NULL;
  bndl_status st = bndl_context_create(&d, &ctx);
  if (st == BNDL_OK)
    st = golden_build(ctx, ".", &ds);
  if (st == BNDL_OK)
    st = bndl_dataset_save(ds, out);
  if (st != BNDL_OK)
    fprintf(stderr, "failed: %s\n", bndl_last_error_message());
  golden_remove_inputs(".");
  if (chdir("/") == 0)
    rmdir(dir);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  if (st == BNDL_OK)
    printf("wrote %s (libbundle %s)\n", out, bndl_version_string());
  return st == BNDL_OK ? 0 : 1;
}
