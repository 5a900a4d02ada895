/* SPDX-License-Identifier: MIT */
/* ifmap: a small hash table from ifindex (> 0) to a caller-owned pointer.
 * O(1) per event however many interfaces a node has; owns only its own slots. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct IfMap IfMap;

int ifmap_new(IfMap **ret);
/* Frees the table, not the values. Accepts NULL. */
IfMap *ifmap_free(IfMap *m);

/* NULL when KEY is absent. */
void *ifmap_get(const IfMap *m, int key);
/* 0, -EEXIST when KEY is present, -EINVAL for KEY <= 0 or a NULL VALUE, -ENOMEM. */
int ifmap_put(IfMap *m, int key, void *value);
/* Removes KEY and returns its value, or NULL when it was absent. */
void *ifmap_remove(IfMap *m, int key);
size_t ifmap_size(const IfMap *m);

/* Iterate: start with *state = 0; returns false at the end. The table must not be
 * changed while iterating. */
bool ifmap_iterate(const IfMap *m, size_t *state, void **ret_value);
