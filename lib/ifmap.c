/* SPDX-License-Identifier: MIT */
/* ifmap: open addressing with linear probing and backward-shift deletion (no
 * tombstones), so a node that churns through millions of ifindexes stays compact. */
#include "ifmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct Slot {
        int key;     /* 0: empty */
        void *value;
} Slot;

struct IfMap {
        Slot *slots;
        size_t n_slots; /* power of two */
        size_t n_used;
};

#define IFMAP_MIN_SLOTS 16U

static size_t slot_of(const IfMap *m, int key) {
        /* ifindexes are dense small integers: a multiplicative hash spreads them
         * (Knuth's, modulo 2^32: the wrap-around is the point). */
        uint32_t h = (uint32_t) key * UINT32_C(2654435761);

        return (size_t) h & (m->n_slots - 1);
}

int ifmap_new(IfMap **ret) {
        IfMap *m = calloc(1, sizeof(IfMap));

        if (!m)
                return -ENOMEM;
        m->slots = calloc(IFMAP_MIN_SLOTS, sizeof(Slot));
        if (!m->slots) {
                free(m);
                return -ENOMEM;
        }
        m->n_slots = IFMAP_MIN_SLOTS;
        *ret = m;
        return 0;
}

IfMap *ifmap_free(IfMap *m) {
        if (m) {
                free(m->slots);
                free(m);
        }
        return NULL;
}

static Slot *find(const IfMap *m, int key) {
        for (size_t i = slot_of(m, key);; i = (i + 1) & (m->n_slots - 1)) {
                if (m->slots[i].key == key)
                        return &m->slots[i];
                if (m->slots[i].key == 0)
                        return NULL;
        }
}

void *ifmap_get(const IfMap *m, int key) {
        Slot *s;

        if (key <= 0)
                return NULL;
        s = find(m, key);
        return s ? s->value : NULL;
}

static void insert_slot(IfMap *m, int key, void *value) {
        size_t i = slot_of(m, key);

        while (m->slots[i].key != 0)
                i = (i + 1) & (m->n_slots - 1);
        m->slots[i] = (Slot) { key, value };
        m->n_used++;
}

static int resize(IfMap *m, size_t n_slots) {
        Slot *old = m->slots;
        size_t n_old = m->n_slots;

        m->slots = calloc(n_slots, sizeof(Slot));
        if (!m->slots) {
                m->slots = old;
                return -ENOMEM;
        }
        m->n_slots = n_slots;
        m->n_used = 0;
        for (size_t i = 0; i < n_old; i++)
                if (old[i].key != 0)
                        insert_slot(m, old[i].key, old[i].value);
        free(old);
        return 0;
}

int ifmap_put(IfMap *m, int key, void *value) {
        int r;

        if (key <= 0 || !value)
                return -EINVAL;
        if (find(m, key))
                return -EEXIST;
        /* Keep the load factor under 1/2: probes stay short. */
        if ((m->n_used + 1) * 2 > m->n_slots) {
                r = resize(m, m->n_slots * 2);
                if (r < 0)
                        return r;
        }
        insert_slot(m, key, value);
        return 0;
}

void *ifmap_remove(IfMap *m, int key) {
        size_t mask = m->n_slots - 1, i, j;
        Slot *s;
        void *value;

        if (key <= 0)
                return NULL;
        s = find(m, key);
        if (!s)
                return NULL;
        value = s->value;
        i = (size_t) (s - m->slots);

        /* Backward-shift: pull later members of the probe chain into the hole. */
        for (j = (i + 1) & mask; m->slots[j].key != 0; j = (j + 1) & mask) {
                size_t home = slot_of(m, m->slots[j].key);
                /* Move j into i unless its home lies cyclically in (i, j]. */
                if (((j - home) & mask) >= ((j - i) & mask)) {
                        m->slots[i] = m->slots[j];
                        i = j;
                }
        }
        m->slots[i] = (Slot) {};
        m->n_used--;

        if (m->n_slots > IFMAP_MIN_SLOTS && m->n_used * 8 < m->n_slots)
                (void) resize(m, m->n_slots / 2); /* on failure the table is still valid */
        return value;
}

size_t ifmap_size(const IfMap *m) {
        return m->n_used;
}

bool ifmap_iterate(const IfMap *m, size_t *state, void **ret_value) {
        for (; *state < m->n_slots; (*state)++)
                if (m->slots[*state].key != 0) {
                        *ret_value = m->slots[(*state)++].value;
                        return true;
                }
        return false;
}
