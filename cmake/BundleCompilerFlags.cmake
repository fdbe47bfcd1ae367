# C11, strict warnings, hidden visibility: only symbols marked BNDL_API are exported,
# and lib/libbundle.map backs that up at link time.
set(CMAKE_C_STANDARD 11)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_C_EXTENSIONS OFF)
set(CMAKE_C_VISIBILITY_PRESET hidden)
set(CMAKE_VISIBILITY_INLINES_HIDDEN ON)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

add_library(bndl_warnings INTERFACE)
target_compile_options(bndl_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wformat=2 -Wvla -fno-common)
if(BNDL_WERROR)
  target_compile_options(bndl_warnings INTERFACE -Werror)
endif()
# POSIX 2008 for pthreads, fsync, strnlen; nothing GNU-specific.
add_compile_definitions(_POSIX_C_SOURCE=200809L)

if(BNDL_SANITIZE)
  string(REPLACE ";" "," _bndl_san "${BNDL_SANITIZE}")
  add_compile_options(-fsanitize=${_bndl_san} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${_bndl_san})
endif()

# Fuzzing build (tests/fuzz, TARGETS.md R1-R5): coverage instrumentation for libFuzzer,
# ASan + UBSan, and the checksum checks compiled out so mutated files reach the parsers
# behind them (that define changes nothing else).
if(BNDL_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "BNDL_FUZZ needs clang (libFuzzer), not ${CMAKE_C_COMPILER_ID}")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -g)
  add_compile_definitions(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
  add_link_options(-fsanitize=address,undefined)
endif()
