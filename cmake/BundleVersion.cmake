# The single source of the version and ABI numbers. In the 0.x series any minor may
# break the ABI, so the SONAME carries major.minor (API.md section 8); from 1.0 it is
# the major alone.
set(BNDL_VERSION_MAJOR 0)
set(BNDL_VERSION_MINOR 1)
set(BNDL_VERSION_PATCH 0)
set(BNDL_VERSION "${BNDL_VERSION_MAJOR}.${BNDL_VERSION_MINOR}.${BNDL_VERSION_PATCH}")
# ABI number exposed by bndl_abi_version(); equals the SONAME suffix.
set(BNDL_ABI_VERSION 0)
set(BNDL_SOVERSION ${BNDL_ABI_VERSION})
# Binary file formats (dataset snapshot) carry their own major/minor.
set(BNDL_DATASET_FORMAT_MAJOR 1)
set(BNDL_DATASET_FORMAT_MINOR 2)
