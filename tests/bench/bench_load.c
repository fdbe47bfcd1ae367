/*
 * bench_load.c - time loading and finalizing one input file through a preset.
 *
 *   bench_load [--threads N] PRESET FILE
 *
 * Creates a context (N worker threads counting the caller; 0 or no flag = the library
 * default, hardware concurrency), loads FILE with bndl_table_spec_preset(PRESET),
 * finalizes the dataset, and prints one JSON line on stdout:
 *
 *   {"library":"0.1.0","preset":...,"file":...,"threads":2,"rows_read":...,
 *    "rows_kept":...,"events":...,"users":...,"items":...,
 *    "load_s":...,"finalize_s":...,"total_s":...,"maxrss_kib":...,"vmhwm_kib":...}
 *
 * load_s and finalize_s are wall times measured inside the process with
 * clock_gettime(CLOCK_MONOTONIC) around bndl_dataset_load_table and
 * bndl_dataset_finalize; total_s also covers context/dataset creation and the spec.
 * maxrss_kib is getrusage's peak RSS after finalize; on Linux it also counts the RSS the
 * process had before exec (its parent's, when spawned by a big process such as Python).
 * vmhwm_kib is VmHWM from /proc/self/status: the peak of this program's own address
 * space only (-1 where unavailable). Exit status 0 on success, 1 on a library failure
 * (message on stderr), 2 on bad usage.
 *
 * Uses only the public API (bundle.h) and links libbundle.so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bundle/bundle.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int check(bndl_status st, const char *what) {
  if (st == BNDL_OK)
    return 0;
  fprintf(stderr, "bench_load: %s failed: %s (%s)\n", what, bndl_last_error_message(), bndl_status_str(st));
  return 1;
}

/* Writes s as a JSON string (quotes and backslashes escaped, control bytes as \u00XX). */
static void put_json_string(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      printf("\\%c", *p);
    else if (*p < 0x20)
      printf("\\u%04x", *p);
    else
      putchar(*p);
  }
  putchar('"');
}

/* Peak RSS of this process's address space (VmHWM, KiB), -1 if unknown. */
static long vmhwm_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL)
    return -1;
  char line[256];
  long v = -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0) {
      v = strtol(line + 6, NULL, 10);
      break;
    }
  fclose(f);
  return v;
}

static int usage(const char *argv0) {
  fprintf(stderr, "usage: %s [--threads N] PRESET FILE\n", argv0);
  return 2;
}

int main(int argc, char **argv) {
  int32_t threads = 0;
  int argi = 1;
  while (argi < argc && strncmp(argv[argi], "--", 2) == 0) {
    if (strcmp(argv[argi], "--threads") == 0 && argi + 1 < argc) {
      char *end = NULL;
      long v = strtol(argv[argi + 1], &end, 10);
      if (end == argv[argi + 1] || *end != '\0' || v < 0 || v > 4096)
        return usage(argv[0]);
      threads = (int32_t)v;
      argi += 2;
    } else {
      return usage(argv[0]);
    }
  }
  if (argc - argi != 2)
    return usage(argv[0]);
  const char *preset = argv[argi];
  const char *path = argv[argi + 1];

  if (!BNDL_CHECK_ABI()) {
    fprintf(stderr, "bench_load: libbundle ABI %d does not match the headers (%d)\n", bndl_abi_version(),
            BNDL_ABI_VERSION);
    return 1;
  }

  int rc = 1;
  bndl_context *ctx = NULL;
  bndl_dataset *ds = NULL;
  bndl_table_spec *spec = NULL;
  double t_load = 0, t_final = 0;

  double t0 = now_s();
  bndl_context_desc desc = BNDL_CONTEXT_DESC_INIT;
  desc.n_threads = threads;
  if (check(bndl_context_create(&desc, &ctx), "bndl_context_create") ||
      check(bndl_dataset_create(ctx, &ds), "bndl_dataset_create") ||
      check(bndl_table_spec_preset(preset, &spec), "bndl_table_spec_preset"))
    goto done;

  double t1 = now_s();
  if (check(bndl_dataset_load_table(ds, path, spec), "bndl_dataset_load_table"))
    goto done;
  double t2 = now_s();
  if (check(bndl_dataset_finalize(ds), "bndl_dataset_finalize"))
    goto done;
  double t3 = now_s();
  t_load = t2 - t1;
  t_final = t3 - t2;

  struct rusage ru;
  long maxrss = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;

  printf("{\"library\":");
  put_json_string(bndl_version_string());
  printf(",\"preset\":");
  put_json_string(preset);
  printf(",\"file\":");
  put_json_string(path);
  printf(",\"threads\":%d,\"rows_read\":%lld,\"rows_kept\":%lld,\"events\":%lld,\"users\":%lld,\"items\":%lld,"
         "\"load_s\":%.6f,\"finalize_s\":%.6f,\"total_s\":%.6f,\"maxrss_kib\":%ld,\"vmhwm_kib\":%ld}\n",
         (int)bndl_context_threads(ctx), (long long)bndl_dataset_rows_read(ds),
         (long long)bndl_dataset_rows_kept(ds), (long long)bndl_dataset_num_events(ds),
         (long long)bndl_dataset_count(ds, BNDL_ENTITY_USER), (long long)bndl_dataset_count(ds, BNDL_ENTITY_ITEM),
         t_load, t_final, t3 - t0, maxrss, vmhwm_kib());
  rc = 0;
done:
  bndl_table_spec_free(spec);
  bndl_dataset_free(ds);
  bndl_context_free(ctx);
  return rc;
}
