# Optional dependencies, found at configure time. Each sets BNDL_HAVE_<NAME> and a
# version string that lands in the configure summary and in bndl_build_info().
include(CMakeParseArguments)
find_package(PkgConfig QUIET)

# _bndl_want(NAME) -> TRUE unless the option is OFF; errors later if ON and missing.
macro(_bndl_want var opt)
  if("${${opt}}" STREQUAL "OFF")
    set(${var} FALSE)
  else()
    set(${var} TRUE)
  endif()
endmacro()

macro(_bndl_require_if_on opt have what)
  if("${${opt}}" STREQUAL "ON" AND NOT ${have})
    message(FATAL_ERROR "${opt}=ON but ${what} was not found")
  endif()
endmacro()

# zlib: .gz inputs.
set(BNDL_HAVE_ZLIB FALSE)
set(BNDL_ZLIB_VERSION "")
_bndl_want(_want BNDL_WITH_ZLIB)
if(_want)
  find_package(ZLIB QUIET)
  if(ZLIB_FOUND)
    set(BNDL_HAVE_ZLIB TRUE)
    set(BNDL_ZLIB_VERSION "${ZLIB_VERSION_STRING}")
  endif()
endif()
_bndl_require_if_on(BNDL_WITH_ZLIB BNDL_HAVE_ZLIB "zlib (zlib1g-dev)")

# OpenBLAS + LAPACKE: the openblas backend and the closed-form item models.
set(BNDL_HAVE_OPENBLAS FALSE)
set(BNDL_OPENBLAS_VERSION "")
_bndl_want(_want BNDL_WITH_OPENBLAS)
if(_want AND PkgConfig_FOUND)
  # Prefixes differ from BNDL_OPENBLAS_*: pkg-config results are cached, and a plain
  # variable of the same name would hide them on the next configure.
  pkg_check_modules(BNDL_PC_OPENBLAS QUIET IMPORTED_TARGET openblas)
  pkg_check_modules(BNDL_PC_LAPACKE QUIET IMPORTED_TARGET lapacke)
  if(BNDL_PC_OPENBLAS_FOUND AND BNDL_PC_LAPACKE_FOUND)
    set(BNDL_HAVE_OPENBLAS TRUE)
    set(BNDL_OPENBLAS_VERSION "${BNDL_PC_OPENBLAS_VERSION}")
  endif()
endif()
_bndl_require_if_on(BNDL_WITH_OPENBLAS BNDL_HAVE_OPENBLAS "OpenBLAS + LAPACKE (libopenblas-dev liblapacke-dev)")

# oneDNN: ships its own CMake package config on Debian (libdnnl-dev). Debian's build runs
# on the OpenMP runtime (DNNL_CPU_RUNTIME "OMP", libgomp), whose thread count the
# provider pins, so that runtime is linked too: by its SONAME first (the libgomp1 runtime
# package, stable across compiler versions, which keeps the exported static link line
# valid), else where the compiler keeps it. Not through find_package(OpenMP): clang's
# -fopenmp brings libomp, a second runtime that does not drive libdnnl's threads.
set(BNDL_HAVE_ONEDNN FALSE)
set(BNDL_ONEDNN_VERSION "")
_bndl_want(_want BNDL_WITH_ONEDNN)
if(_want)
  find_package(dnnl QUIET CONFIG)
  if(dnnl_FOUND AND TARGET DNNL::dnnl)
    if(DNNL_CPU_RUNTIME STREQUAL "OMP")
      execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libgomp.so
                      OUTPUT_VARIABLE _gomp OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      get_filename_component(_gomp_dir "${_gomp}" DIRECTORY)
      find_library(BNDL_ONEDNN_OPENMP_LIBRARY NAMES libgomp.so.1 gomp PATHS ${_gomp_dir})
      if(BNDL_ONEDNN_OPENMP_LIBRARY)
        set(BNDL_HAVE_ONEDNN TRUE)
      endif()
    endif()
    if(BNDL_HAVE_ONEDNN)
      set(BNDL_ONEDNN_VERSION "${dnnl_VERSION}")
    else()
      message(STATUS "oneDNN ${dnnl_VERSION} found, but not on the OpenMP runtime (libgomp) the provider "
                     "pins (DNNL_CPU_RUNTIME='${DNNL_CPU_RUNTIME}'): not used")
    endif()
  endif()
endif()
_bndl_require_if_on(BNDL_WITH_ONEDNN BNDL_HAVE_ONEDNN "oneDNN on the OpenMP runtime (libdnnl-dev)")

# CUDA toolkit with cuBLAS and cuDNN: only ever a separately loaded module.
set(BNDL_HAVE_CUDA FALSE)
set(BNDL_CUDA_VERSION "")
set(BNDL_CUDNN_VERSION "")
_bndl_want(_want BNDL_WITH_CUDA)
if(_want)
  if(NOT CUDAToolkit_ROOT AND EXISTS /usr/local/cuda)
    set(CUDAToolkit_ROOT /usr/local/cuda)
  endif()
  find_package(CUDAToolkit QUIET)
  find_path(BNDL_CUDNN_INCLUDE_DIR cudnn_version.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
  if(CUDAToolkit_FOUND AND TARGET CUDA::cublas AND BNDL_CUDNN_INCLUDE_DIR)
    set(BNDL_HAVE_CUDA TRUE)
    set(BNDL_CUDA_VERSION "${CUDAToolkit_VERSION}")
    file(STRINGS "${BNDL_CUDNN_INCLUDE_DIR}/cudnn_version.h" _cudnn_lines
         REGEX "#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) ")
    foreach(_l IN LISTS _cudnn_lines)
      string(REGEX REPLACE ".*CUDNN_(MAJOR|MINOR|PATCHLEVEL) +([0-9]+).*" "\\1=\\2" _kv "${_l}")
      list(APPEND _cudnn_parts "${_kv}")
    endforeach()
    string(REGEX MATCH "MAJOR=([0-9]+)" _m "${_cudnn_parts}")
    set(_maj ${CMAKE_MATCH_1})
    string(REGEX MATCH "MINOR=([0-9]+)" _m "${_cudnn_parts}")
    set(_min ${CMAKE_MATCH_1})
    string(REGEX MATCH "PATCHLEVEL=([0-9]+)" _m "${_cudnn_parts}")
    set(BNDL_CUDNN_VERSION "${_maj}.${_min}.${CMAKE_MATCH_1}")
  endif()
endif()
_bndl_require_if_on(BNDL_WITH_CUDA BNDL_HAVE_CUDA "the CUDA toolkit with cuBLAS and cuDNN")

# cmocka: tests only. Debian's cmocka 1.1 config sets variables but no target, so
# everything goes through one interface target, bndl_cmocka.
if(BNDL_BUILD_TESTS)
  add_library(bndl_cmocka INTERFACE)
  if(PkgConfig_FOUND)
    pkg_check_modules(CMOCKA QUIET IMPORTED_TARGET cmocka)
  endif()
  if(CMOCKA_FOUND)
    target_link_libraries(bndl_cmocka INTERFACE PkgConfig::CMOCKA)
  else()
    find_package(cmocka CONFIG QUIET)
    if(TARGET cmocka::cmocka)
      target_link_libraries(bndl_cmocka INTERFACE cmocka::cmocka)
    elseif(CMOCKA_LIBRARIES)
      target_include_directories(bndl_cmocka INTERFACE ${CMOCKA_INCLUDE_DIR})
      target_link_libraries(bndl_cmocka INTERFACE ${CMOCKA_LIBRARIES})
    else()
      message(FATAL_ERROR "BNDL_BUILD_TESTS=ON needs cmocka (apt-get install libcmocka-dev, "
                          "or run cmake/install-deps.sh); or configure with -DBNDL_BUILD_TESTS=OFF")
    endif()
  endif()
endif()

find_package(Threads REQUIRED)

function(bndl_print_summary)
  foreach(_d ZLIB OPENBLAS ONEDNN CUDA)
    if(BNDL_HAVE_${_d})
      set(_s_${_d} "yes ${BNDL_${_d}_VERSION}")
    else()
      set(_s_${_d} "no")
    endif()
  endforeach()
  if(BNDL_HAVE_CUDA)
    set(_s_CUDA "${_s_CUDA} (cuDNN ${BNDL_CUDNN_VERSION})")
  endif()
  message(STATUS "libbundle ${PROJECT_VERSION}: zlib=${_s_ZLIB} openblas=${_s_OPENBLAS} "
                 "onednn=${_s_ONEDNN} cuda=${_s_CUDA} sanitize='${BNDL_SANITIZE}' "
                 "build=${CMAKE_BUILD_TYPE}")
endfunction()
