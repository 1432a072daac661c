/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef JRBD_KMOD_H
#define JRBD_KMOD_H

#include <stdbool.h>

/* Is jrbd.ko loaded (its /sys/module entry present)? */
bool jrbd_module_loaded(void);

/*
 * Make sure jrbd.ko is loaded: from @path when given (a freshly built
 * .ko), else by name through modprobe's configuration and dependencies.
 * Returns 0 or a negative errno; @err gets a message for the user.
 */
int jrbd_module_load(const char *path, char *err, unsigned long errlen);

#endif /* JRBD_KMOD_H */
