/* SPDX-License-Identifier: MIT */
/* Default limits on everything that input can make grow. */
#ifndef SH_LIMITS_H
#define SH_LIMITS_H

/*
 * Every input-driven growth has a ceiling.  These are the defaults; the
 * daemon's configuration can change them at run time through the structs
 * that take them (struct feed_limits, ...).
 */

/* Largest feed document accepted, in bytes (compressed or not). */
#define SH_MAX_DOC_BYTES (16u * 1024 * 1024)
/* Most entries kept from one feed document; the rest are dropped. */
#define SH_MAX_ENTRIES 10000u
/* Longest text kept in one field (title, summary, content), in bytes. */
#define SH_MAX_FIELD_BYTES (1u * 1024 * 1024)
/* Deepest element nesting accepted in a feed document. */
#define SH_MAX_DEPTH 256u
/* Most attributes (namespace declarations too) accepted on one element. */
#define SH_MAX_ATTRIBUTES 256u
/* Most authors, categories or enclosures kept per entry. */
#define SH_MAX_LIST_ITEMS 64u

#endif
