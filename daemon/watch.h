/* SPDX-License-Identifier: MIT */
/* watch: notice when the configuration files change (inotify), debounced, and say so
 * once. Robust to editors that write and rename, to Kubernetes ConfigMap volumes
 * (the kubelet swaps a "..data" symlink) and to directories created later. */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

typedef struct ConfigWatch ConfigWatch;

/* How long a burst of changes is waited out before the callback runs once. */
#define CONFIG_WATCH_DEBOUNCE_USEC (UINT64_C(200) * 1000)

typedef void (*config_watch_handler_t)(void *userdata);

/* Watch FILES (each by its name in its directory, so that a replaced file is seen)
 * and DIRS (every "*.conf" in them, their "..data" symlink, and the directory itself
 * appearing, vanishing or being replaced), both NULL-terminated. HANDLER runs once
 * per burst of changes, from EVENT's loop. Nothing is armed while nothing changes:
 * one inotify fd, and a timer only during a burst. */
int config_watch_new(sd_event *event, const char *const *files, const char *const *dirs,
                     config_watch_handler_t handler, void *userdata, ConfigWatch **ret);
ConfigWatch *config_watch_free(ConfigWatch *w);

/* Look again for directories that did not exist (or were replaced) when the watch
 * began: call after each reload. */
int config_watch_refresh(ConfigWatch *w);
