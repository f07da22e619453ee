/* See agw_hash.h. */
#include <errno.h>
#include <stdlib.h>

#include "agw/agw_hash.h"

static size_t slot(const struct agw_hash *h, uint64_t key)
{
    /* Keys are often consecutive ids: mix them so buckets stay even. */
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (size_t)key & h->mask;
}

int agw_hash_init(struct agw_hash *h, size_t initial)
{
    size_t n = 16;
    while (n < initial)
        n <<= 1;
    h->buckets = calloc(n, sizeof(*h->buckets));
    if (!h->buckets)
        return -ENOMEM;
    h->mask = n - 1;
    h->count = 0;
    return 0;
}

void agw_hash_free(struct agw_hash *h)
{
    free(h->buckets);
    h->buckets = NULL;
    h->count = 0;
}

static int grow(struct agw_hash *h)
{
    size_t n = (h->mask + 1) * 2;
    struct agw_hnode **nb = calloc(n, sizeof(*nb));
    if (!nb)
        return -ENOMEM;
    struct agw_hash tmp = { nb, n - 1, h->count };
    for (size_t i = 0; i <= h->mask; i++) {
        struct agw_hnode *e = h->buckets[i];
        while (e) {
            struct agw_hnode *next = e->next;
            size_t s = slot(&tmp, e->key);
            e->next = nb[s];
            nb[s] = e;
            e = next;
        }
    }
    free(h->buckets);
    *h = tmp;
    return 0;
}

int agw_hash_add(struct agw_hash *h, struct agw_hnode *n, uint64_t key)
{
    if (agw_hash_find(h, key))
        return -EEXIST;
    if (h->count + 1 > h->mask + 1 && grow(h) < 0)
        return -ENOMEM;
    size_t s = slot(h, key);
    n->key = key;
    n->next = h->buckets[s];
    n->linked = 1;
    h->buckets[s] = n;
    h->count++;
    return 0;
}

struct agw_hnode *agw_hash_find(const struct agw_hash *h, uint64_t key)
{
    for (struct agw_hnode *e = h->buckets[slot(h, key)]; e; e = e->next)
        if (e->key == key)
            return e;
    return NULL;
}

void agw_hash_del(struct agw_hash *h, struct agw_hnode *n)
{
    if (!n->linked)
        return;
    struct agw_hnode **pp = &h->buckets[slot(h, n->key)];
    for (; *pp; pp = &(*pp)->next) {
        if (*pp == n) {
            *pp = n->next;
            n->next = NULL;
            n->linked = 0;
            h->count--;
            return;
        }
    }
}
