/* SPDX-License-Identifier: MIT */
/* Private header of the sheaf command: one function per subcommand. */
#ifndef SH_SHEAF_H
#define SH_SHEAF_H

/**
 * `sheaf parse FILE`: print one feed as the JSON of SCHEMAS.md section 1.
 *
 * @param argc  arguments after the subcommand name, plus one
 * @param argv  argv[0] is "parse"
 * @return the process exit status
 */
int cmd_parse(int argc, char **argv);

/**
 * Read a whole file, or standard input for "-", refusing more than max
 * bytes.
 *
 * @param path  file name or "-"
 * @param max   most bytes accepted
 * @param out   on success, the bytes (caller frees), NUL-terminated
 * @param len   on success, their number
 * @return 0, or -1 after printing a one-line error
 */
int read_input(const char *path, size_t max, char **out, size_t *len);

#endif
