// SPDX-License-Identifier: GPL-2.0-only
/* 6.11+: cache and FUA support are queue-limit features. */
#include <linux/blkdev.h>

void probe(struct queue_limits *lim);
void probe(struct queue_limits *lim)
{
	lim->features |= BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA;
}
