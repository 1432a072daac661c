// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading jrbd.ko through libkmod.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <libkmod.h>
#include "jrbd_kmod.h"

bool jrbd_module_loaded(void)
{
	return access("/sys/module/jrbd", F_OK) == 0;
}

/* Load by name every module in @mod's "depends" modinfo field. */
static int jrbd_load_depends(struct kmod_ctx *ctx, struct kmod_module *mod,
			     char *err, unsigned long errlen)
{
	struct kmod_list *info = NULL, *l;
	int r;

	r = kmod_module_get_info(mod, &info);
	if (r < 0) {
		snprintf(err, errlen, "cannot read the module's modinfo: %s",
			 strerror(-r));
		return r;
	}
	r = 0;
	kmod_list_foreach(l, info) {
		const char *key = kmod_module_info_get_key(l);
		char deps[256], *tok, *save = NULL;

		if (strcmp(key, "depends"))
			continue;
		snprintf(deps, sizeof(deps), "%s", kmod_module_info_get_value(l));
		for (tok = strtok_r(deps, ",", &save); tok && r >= 0;
		     tok = strtok_r(NULL, ",", &save)) {
			struct kmod_module *dep = NULL;

			r = kmod_module_new_from_name(ctx, tok, &dep);
			if (r >= 0)
				r = kmod_module_probe_insert_module(dep,
					KMOD_PROBE_IGNORE_LOADED, NULL, NULL,
					NULL, NULL);
			if (r < 0)
				snprintf(err, errlen, "cannot load dependency %s: %s",
					 tok, strerror(-r));
			kmod_module_unref(dep);
		}
	}
	kmod_module_info_free_list(info);
	return r < 0 ? r : 0;
}

int jrbd_module_load(const char *path, char *err, unsigned long errlen)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod = NULL;
	int r;

	if (jrbd_module_loaded())
		return 0;
	ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		snprintf(err, errlen, "cannot initialise libkmod");
		return -ENOMEM;
	}
	if (path) {
		r = kmod_module_new_from_path(ctx, path, &mod);
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(-r));
			goto out;
		}
		/* A .ko outside the module tree: its dependencies first. */
		r = jrbd_load_depends(ctx, mod, err, errlen);
		if (r < 0)
			goto out;
		r = kmod_module_insert_module(mod, 0, NULL);
		if (r == -EEXIST)
			r = 0;
	} else {
		r = kmod_module_new_from_name(ctx, "jrbd", &mod);
		if (r < 0) {
			snprintf(err, errlen, "jrbd: %s", strerror(-r));
			goto out;
		}
		r = kmod_module_probe_insert_module(mod,
				KMOD_PROBE_IGNORE_LOADED, NULL, NULL, NULL, NULL);
		if (r > 0)	/* blacklisted or similar: not loaded */
			r = -ENOENT;
	}
	if (r < 0)
		snprintf(err, errlen, "cannot load %s: %s",
			 path ? path : "module jrbd (try --module PATH)",
			 strerror(-r));
out:
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return r;
}
