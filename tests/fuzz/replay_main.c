/*
 * replay_main.c - runs a fuzz target over corpus files without libFuzzer (TARGETS.md R4),
 * so every corpus is replayed by the normal, ASan and valgrind suites.
 *
 *   fuzz_replay_<target> PATH...   (each PATH a file or a folder of files, not recursive)
 *
 * Files of a folder run in name order so a failure names a reproducible input. Exit
 * status: 0 when every input ran (the target itself aborts on a broken invariant and
 * the sanitizers on memory errors), 1 when a path cannot be read or no input was found.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_util.h"

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "replay: cannot open %s\n", path);
    return -1;
  }
  size_t cap = 1 << 16, len = 0;
  uint8_t *buf = malloc(cap);
  size_t n;
  while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      uint8_t *bigger = realloc(buf, cap * 2);
      if (bigger == NULL) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
  }
  fclose(f);
  if (buf == NULL) {
    fprintf(stderr, "replay: out of memory reading %s\n", path);
    return -1;
  }
  LLVMFuzzerTestOneInput(buf, len);
  free(buf);
  return 1;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int run_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) {
    fprintf(stderr, "replay: cannot open folder %s\n", dir);
    return -1;
  }
  char **names = NULL;
  size_t count = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char **more = realloc(names, (count + 1) * sizeof *names);
    if (more == NULL)
      break;
    names = more;
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    names[count] = malloc(len);
    if (names[count] == NULL)
      break;
    snprintf(names[count], len, "%s/%s", dir, e->d_name);
    count++;
  }
  closedir(d);
  qsort(names, count, sizeof *names, by_name);
  int ran = 0;
  for (size_t i = 0; i < count; i++) {
    int r = run_file(names[i]);
    if (r < 0)
      ran = -1;
    else if (ran >= 0)
      ran += r;
    free(names[i]);
  }
  free(names);
  return ran;
}

int main(int argc, char **argv) {
  int total = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "replay: no such path %s\n", argv[i]);
      return 1;
    }
    int r = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
    if (r < 0)
      return 1;
    total += r;
  }
  printf("replayed %d inputs\n", total);
  return total > 0 ? 0 : 1;
}
