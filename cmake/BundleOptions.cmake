# User-facing build switches. Every optional dependency is "AUTO": used when found,
# reported either way, never required (the reference backend always builds).
set(BNDL_WITH_OPENBLAS AUTO CACHE STRING "Use OpenBLAS + LAPACKE (ON/OFF/AUTO)")
set(BNDL_WITH_ONEDNN AUTO CACHE STRING "Use oneDNN (ON/OFF/AUTO)")
set(BNDL_WITH_CUDA AUTO CACHE STRING "Build the CUDA backend module (ON/OFF/AUTO)")
set(BNDL_WITH_ZLIB AUTO CACHE STRING "Read .gz inputs through zlib (ON/OFF/AUTO)")
option(BNDL_BUILD_TESTS "Build the cmocka test suite" ON)
option(BNDL_BUILD_EXAMPLES "Build the examples" ON)
option(BNDL_WERROR "Treat warnings as errors" ON)
set(BNDL_SANITIZE "" CACHE STRING "Sanitizers: empty, 'address;undefined' or 'thread'")
option(BNDL_FUZZ "Build the libFuzzer targets of tests/fuzz (clang; instruments the whole library)" OFF)
option(BNDL_REQUIRE_SHARED_DATA "Fail (not skip) tests whose ../shared/data files are missing" OFF)
set(BNDL_SHARED_DATA_DIR "${CMAKE_CURRENT_SOURCE_DIR}/../shared/data" CACHE PATH
    "Folder with the real datasets used by the data tests")
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()
