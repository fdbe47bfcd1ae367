/*
 * build_info.c - what this binary was built with, as one static JSON object.
 *
 * "found" means the dependency was present at configure time; "compiled_in" means code
 * of this library actually uses it. They differ while a backend is not yet written: the
 * JSON never claims a backend that does not exist. The BNDL_BI_* macros come from
 * src/CMakeLists.txt.
 */
#include "core/build_info.h"

#include "bundle/bundle_version.h"

#define BNDL_STR2(x) #x
#define BNDL_STR(x) BNDL_STR2(x)

#if defined(__clang__)
#  define BNDL_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#  define BNDL_COMPILER "gcc " __VERSION__
#else
#  define BNDL_COMPILER "unknown"
#endif

#define DEP(name, found, version, used) \
  "\"" name "\":{\"found\":" found ",\"version\":\"" version "\",\"compiled_in\":" used "}"

/* The compute providers compiled in: "ref" always, then each optional one built
 * (BNDL_HAVE_* come from src/CMakeLists.txt). */
#ifdef BNDL_HAVE_OPENBLAS
#  define BNDL_BI_OPENBLAS_USED "true"
#  define BNDL_BI_OPENBLAS_BACKEND ",\"openblas\""
#else
#  define BNDL_BI_OPENBLAS_USED "false"
#  define BNDL_BI_OPENBLAS_BACKEND ""
#endif
#ifdef BNDL_HAVE_ONEDNN
#  define BNDL_BI_ONEDNN_USED "true"
#  define BNDL_BI_ONEDNN_BACKEND ",\"onednn\""
#else
#  define BNDL_BI_ONEDNN_USED "false"
#  define BNDL_BI_ONEDNN_BACKEND ""
#endif

/* clang-format off */
static const char info[] =
  "{"
  "\"version\":\"" BNDL_VERSION_STRING "\","
  "\"abi\":" BNDL_STR(BNDL_BI_ABI) ","
  "\"git\":\"" BNDL_BI_GIT "\","
  "\"build_type\":\"" BNDL_BI_BUILD_TYPE "\","
  "\"compiler\":\"" BNDL_COMPILER "\","
  "\"sanitizers\":\"" BNDL_BI_SANITIZE "\","
  "\"dataset_format\":\"" BNDL_STR(BNDL_BI_DATASET_FORMAT_MAJOR) "." BNDL_STR(BNDL_BI_DATASET_FORMAT_MINOR) "\","
  "\"dependencies\":{"
    DEP("zlib", BNDL_BI_ZLIB_FOUND, BNDL_BI_ZLIB_VERSION, BNDL_BI_ZLIB_FOUND) ","
    DEP("openblas", BNDL_BI_OPENBLAS_FOUND, BNDL_BI_OPENBLAS_VERSION, BNDL_BI_OPENBLAS_USED) ","
    DEP("onednn", BNDL_BI_ONEDNN_FOUND, BNDL_BI_ONEDNN_VERSION, BNDL_BI_ONEDNN_USED) ","
    DEP("cuda", BNDL_BI_CUDA_FOUND, BNDL_BI_CUDA_VERSION, "false") ","
    DEP("cudnn", BNDL_BI_CUDA_FOUND, BNDL_BI_CUDNN_VERSION, "false")
  "},"
  "\"compute_backends\":[\"ref\"" BNDL_BI_OPENBLAS_BACKEND BNDL_BI_ONEDNN_BACKEND "]"
  "}";
/* clang-format on */

const char *bndl_build_info_json(void) { return info; }
