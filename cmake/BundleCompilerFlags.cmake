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
