/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jrbd_port.h - the one portability header of the shared format library.
 *
 * The pure library in kmod/libjrbd/ (and include/jrbd/jrbd_format.h) is
 * compiled twice from the same source: into jrbd.ko and into the userspace
 * tools and tests.  Everything that differs between the two lives here, in
 * the way e2fsprogs' jfs_user.h lets it share jbd2's recovery.c.
 *
 * Provided on both sides:
 *   u8 u16 u32 u64, __le16 __le32 __le64, bool
 *   cpu_to_le16/32/64, le16/32/64_to_cpu
 *   memcpy, memset, memcmp, offsetof, errno values
 *   static_assert(expr, msg)
 *   jrbd_crc32c(crc, p, len): RAW CRC32C (Castagnoli, reflected), no pre- or
 *     post-inversion: the kernel's crc32c() semantics.  The standard CRC32C
 *     of a buffer is ~jrbd_crc32c(~0, p, len).
 */
#ifndef JRBD_PORT_H
#define JRBD_PORT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/build_bug.h>
#include <linux/crc32c.h>
#include <asm/byteorder.h>

static inline u32 jrbd_crc32c(u32 crc, const void *p, size_t len)
{
	return crc32c(crc, p, len);
}

#else /* userspace */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <assert.h>
#include <endian.h>
#include <linux/types.h>	/* uapi: __le16, __le32, __le64 */
#include <isa-l/crc.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define cpu_to_le16(x) ((__le16)htole16(x))
#define cpu_to_le32(x) ((__le32)htole32(x))
#define cpu_to_le64(x) ((__le64)htole64(x))
#define le16_to_cpu(x) ((u16)le16toh(x))
#define le32_to_cpu(x) ((u32)le32toh(x))
#define le64_to_cpu(x) ((u64)le64toh(x))

#ifndef static_assert
#define static_assert _Static_assert
#endif

/* ISA-L's crc32_iscsi() is raw too (init value in, register out). */
static inline u32 jrbd_crc32c(u32 crc, const void *p, size_t len)
{
	const unsigned char *b = p;

	while (len > 0x40000000) {	/* its length is an int */
		crc = crc32_iscsi((unsigned char *)b, 0x40000000, crc);
		b += 0x40000000;
		len -= 0x40000000;
	}
	return crc32_iscsi((unsigned char *)b, (int)len, crc);
}

#endif /* __KERNEL__ */

#endif /* JRBD_PORT_H */
