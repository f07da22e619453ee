/* A small intrusive hash table keyed by 64-bit integers: the daemon's
 * lookups (UE by MME UE S1AP ID, by IMSI, by M-TMSI, by eNB + eNB UE S1AP
 * ID; eNB by association) are all integer keys.  Chained buckets, power of
 * two, grown at load factor 1; no allocation per entry (the node lives in
 * the object).  Not thread-safe: the daemon has one thread. */
#ifndef XEPC_AGW_HASH_H
#define XEPC_AGW_HASH_H

#include <stddef.h>
#include <stdint.h>

struct agw_hnode {
    struct agw_hnode *next;
    uint64_t key;
    int linked;
};

struct agw_hash {
    struct agw_hnode **buckets;
    size_t mask;    /* buckets - 1 */
    size_t count;
};

int agw_hash_init(struct agw_hash *h, size_t initial);
void agw_hash_free(struct agw_hash *h);
/* Inserts n under key; -EEXIST when the key is taken, -ENOMEM. */
int agw_hash_add(struct agw_hash *h, struct agw_hnode *n, uint64_t key);
struct agw_hnode *agw_hash_find(const struct agw_hash *h, uint64_t key);
/* Removes n if linked (idempotent). */
void agw_hash_del(struct agw_hash *h, struct agw_hnode *n);

#define agw_container_of(ptr, type, member) \
    ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#endif
