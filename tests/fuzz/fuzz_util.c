/*
 * fuzz_util.c - the scratch file and the shared context of the fuzz targets.
 *
 * The scratch file is created once (mkstemp) and rewritten in place each iteration,
 * because creating and unlinking a file per input would dominate the time of small
 * inputs. It is unlinked at exit.
 */
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char scratch_path[256];
static int scratch_fd = -1;

static void remove_scratch(void) {
  if (scratch_fd >= 0) {
    close(scratch_fd);
    unlink(scratch_path);
  }
}

const char *fuzz_write_file(const uint8_t *data, size_t size) {
  if (scratch_fd < 0) {
    struct stat st;
    const char *dir = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(scratch_path, sizeof scratch_path, "%s/bndl-fuzz-XXXXXX", dir);
    scratch_fd = mkstemp(scratch_path);
    if (scratch_fd < 0)
      return NULL;
    atexit(remove_scratch);
  }
  if (ftruncate(scratch_fd, 0) != 0)
    return NULL;
  size_t done = 0;
  while (done < size) {
    ssize_t n = pwrite(scratch_fd, data + done, size - done, (off_t)done);
    if (n <= 0)
      return NULL;
    done += (size_t)n;
  }
  return scratch_path;
}

void fuzz_unexpected(const char *call, bndl_status status) {
  fprintf(stderr, "fuzz: %s returned %s (%d): %s\n", call, bndl_status_str(status), (int)status,
          bndl_last_error_message());
  abort();
}

bndl_context *fuzz_context(void) {
  static bndl_context *ctx;
  if (ctx == NULL) {
    bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
    desc.n_threads = 1;
    desc.seed = 1;
    if (bndl_context_create(&desc, &ctx) != BNDL_OK)
      return NULL;
  }
  return ctx;
}
