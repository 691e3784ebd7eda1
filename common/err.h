/* SPDX-License-Identifier: MIT */
/* Project-wide error codes shared by every module. */
#ifndef SH_ERR_H
#define SH_ERR_H

/*
 * Module functions return SH_OK or one of these codes; results come back
 * through out-parameters written only on success.  sh_strerror() gives a
 * short English text for each.
 */
enum sh_err {
	SH_OK = 0,
	SH_ENOMEM = -1,	   /* allocation failed */
	SH_EINVAL = -2,	   /* invalid argument or input */
	SH_ETOOBIG = -3,   /* a size limit was reached */
	SH_EPARSE = -4,	   /* input could not be parsed at all */
	SH_ENOTFEED = -5,  /* a well-formed document that is no feed */
	SH_EDEPTH = -6,	   /* nesting deeper than the limit */
	SH_ETOOMANY = -7,  /* more items than the limit */
	SH_EENCODING = -8, /* unknown or unconvertible character encoding */
	SH_EIO = -9,	   /* a read or write failed */
	SH_ENOTFOUND = -10 /* no such object */
};

/**
 * Describe an error code.
 *
 * @param err  SH_OK or an SH_E* code
 * @return a static string, never NULL
 */
const char *sh_strerror(int err);

#endif
