/* SPDX-License-Identifier: MIT */
/* Text for the project-wide error codes. */
#include "common.h"

const char *
sh_strerror(int err)
{
	switch (err) {
	case SH_OK:
		return "success";
	case SH_ENOMEM:
		return "out of memory";
	case SH_EINVAL:
		return "invalid input";
	case SH_ETOOBIG:
		return "size limit reached";
	case SH_EPARSE:
		return "could not be parsed";
	case SH_ENOTFEED:
		return "not a feed";
	case SH_EDEPTH:
		return "nesting too deep";
	case SH_ETOOMANY:
		return "too many items";
	case SH_EENCODING:
		return "unsupported character encoding";
	case SH_EIO:
		return "input/output error";
	case SH_ENOTFOUND:
		return "not found";
	}
	return "unknown error";
}
