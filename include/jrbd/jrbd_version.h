/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
#ifndef JRBD_VERSION_H
#define JRBD_VERSION_H

/* One version for the module and the tools, bumped on release. */
#define JRBD_VERSION "0.1.0"

#endif /* JRBD_VERSION_H */
