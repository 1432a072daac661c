/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jrbd_util.h - small parsers and formatters shared by the userspace tools.
 * Negative errno on failure; out-parameters untouched then.
 */
#ifndef JRBD_UTIL_H
#define JRBD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "4096", "8M", "8MiB", "1g": binary K/M/G/T suffixes (case-insensitive,
 * optional "iB"/"B").  -EINVAL bad syntax, -ERANGE overflow. */
int jrbd_parse_size(const char *s, uint64_t *out);
/* Plain decimal or 0x hex u64. */
int jrbd_parse_u64(const char *s, uint64_t *out);

/* Canonical 8-4-4-4-12 hex UUID. */
int jrbd_uuid_parse(const char *s, uint8_t out[16]);
void jrbd_uuid_format(const uint8_t u[16], char out[37]);
bool jrbd_uuid_is_zero(const uint8_t u[16]);
/* Random RFC 4122 version 4 UUID from getrandom(). */
int jrbd_uuid_random(uint8_t out[16]);

/* "64 MiB", "4 KiB", "12345 bytes": exact when possible, else one decimal
 * ("1.5 GiB").  Returns buf. */
const char *jrbd_size_str(uint64_t bytes, char buf[32]);

/* Well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF)?  On failure
 * *bad is the offset of the first bad byte. */
bool jrbd_utf8_valid(const uint8_t *p, size_t len, size_t *bad);

/*
 * Whole-buffer pread()/pwrite() at a byte offset, retrying short transfers
 * and EINTR: 0, -errno, -ENODATA at the end of the file (read) or -EIO if
 * nothing could be written.
 */
int jrbd_pread_all(int fd, void *buf, size_t len, uint64_t off);
int jrbd_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

#endif /* JRBD_UTIL_H */
