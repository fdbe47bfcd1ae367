/*
 * bundle_export.h - symbol visibility and attribute macros of libbundle.
 *
 * Every attribute sits behind a macro that a binding generator (cffi, cgo) may define
 * empty before including the headers. Three states, as zstd and oneDNN do it:
 * static library (BNDL_STATIC), Windows DLL (import/export), ELF/Mach-O visibility.
 */
#ifndef BUNDLE_EXPORT_H
#define BUNDLE_EXPORT_H

#ifndef BNDL_API
#  if defined(BNDL_STATIC)
#    define BNDL_API
#  elif defined(_WIN32)
#    ifdef BNDL_BUILDING
#      define BNDL_API __declspec(dllexport)
#    else
#      define BNDL_API __declspec(dllimport)
#    endif
#  elif defined(__GNUC__) && __GNUC__ >= 4
#    define BNDL_API __attribute__((visibility("default")))
#  else
#    define BNDL_API
#  endif
#endif

#ifndef BNDL_DEPRECATED
#  if defined(BNDL_NO_DEPRECATION_WARNINGS)
#    define BNDL_DEPRECATED(msg)
#  elif defined(__GNUC__)
#    define BNDL_DEPRECATED(msg) __attribute__((deprecated(msg)))
#  elif defined(_MSC_VER)
#    define BNDL_DEPRECATED(msg) __declspec(deprecated(msg))
#  else
#    define BNDL_DEPRECATED(msg)
#  endif
#endif

/* Calling convention of callbacks passed to the library (empty on every ELF target). */
#ifndef BNDL_CALLBACK
#  define BNDL_CALLBACK
#endif

#endif /* BUNDLE_EXPORT_H */
