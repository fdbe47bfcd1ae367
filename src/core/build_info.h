/*
 * build_info.h - the static JSON returned by bndl_build_info().
 */
#ifndef BNDL_CORE_BUILD_INFO_H
#define BNDL_CORE_BUILD_INFO_H

const char *bndl_build_info_json(void);

#endif
