/* The layout of a pinned map's value type, compared with this build's.
 *
 * A pinned map of the right type, sizes and value type name can still hold
 * values of another layout: a build that moved a field without changing
 * the struct's size (issue 13's cold-session layout moves several) would
 * otherwise adopt the pins and read every entry wrongly.  The kernel keeps
 * the BTF of the object that created the map; the library compares it,
 * member by member (names, bit offsets, sizes, nested structs and arrays),
 * with the BTF of the programs embedded in this build, which were compiled
 * from the same bpf/xepc_dp.h as the library.  A difference is refused
 * like any other foreign map: the upgrade path for a changed layout is
 * `dp down` + `dp up` (docs/datapath.md "Program upgrade"). */
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dp_int.h"

#define DP_BTF_MAX_DEPTH 8

static const struct btf_type *resolve(const struct btf *b, uint32_t *id)
{
    const struct btf_type *t = btf__type_by_id(b, *id);
    while (t && (btf_is_typedef(t) || btf_is_const(t) || btf_is_volatile(t) ||
                 btf_is_restrict(t) || btf_is_type_tag(t))) {
        *id = t->type;
        t = btf__type_by_id(b, *id);
    }
    return t;
}

static int type_cmp(const struct btf *wb, uint32_t wid, const struct btf *gb, uint32_t gid,
                    const char *path, char *why, size_t len, int depth)
{
    const struct btf_type *w = resolve(wb, &wid), *g = resolve(gb, &gid);
    if (!w || !g) {
        snprintf(why, len, "%s: type %s", path, w ? "missing" : "unknown to this build");
        return -EPROTO;
    }
    if (btf_kind(w) != btf_kind(g)) {
        snprintf(why, len, "%s: BTF kind %u, expected %u", path, btf_kind(g), btf_kind(w));
        return -EPROTO;
    }
    long ws = btf__resolve_size(wb, wid), gs = btf__resolve_size(gb, gid);
    if (ws != gs) {
        snprintf(why, len, "%s: %ld bytes, expected %ld", path, gs, ws);
        return -EPROTO;
    }
    if (depth >= DP_BTF_MAX_DEPTH)
        return 0;
    char sub[160];
    switch (btf_kind(w)) {
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
        if (btf_vlen(w) != btf_vlen(g)) {
            snprintf(why, len, "%s: %u members, expected %u", path, btf_vlen(g), btf_vlen(w));
            return -EPROTO;
        }
        const struct btf_member *wm = btf_members(w), *gm = btf_members(g);
        for (uint16_t i = 0; i < btf_vlen(w); i++) {
            const char *wn = btf__name_by_offset(wb, wm[i].name_off);
            const char *gn = btf__name_by_offset(gb, gm[i].name_off);
            wn = wn ? wn : "";
            gn = gn ? gn : "";
            if (strcmp(wn, gn)) {
                snprintf(why, len, "%s: member %u is '%s', expected '%s'", path, i, gn, wn);
                return -EPROTO;
            }
            snprintf(sub, sizeof(sub), "%s.%s", path, wn);
            if (btf_member_bit_offset(w, i) != btf_member_bit_offset(g, i) ||
                btf_member_bitfield_size(w, i) != btf_member_bitfield_size(g, i)) {
                snprintf(why, len, "%s at bit %u, expected %u", sub,
                         btf_member_bit_offset(g, i), btf_member_bit_offset(w, i));
                return -EPROTO;
            }
            int rc = type_cmp(wb, wm[i].type, gb, gm[i].type, sub, why, len, depth + 1);
            if (rc)
                return rc;
        }
        return 0;
    }
    case BTF_KIND_ARRAY: {
        const struct btf_array *wa = btf_array(w), *ga = btf_array(g);
        if (wa->nelems != ga->nelems) {
            snprintf(why, len, "%s: %u elements, expected %u", path, ga->nelems, wa->nelems);
            return -EPROTO;
        }
        snprintf(sub, sizeof(sub), "%s[]", path);
        return type_cmp(wb, wa->type, gb, ga->type, sub, why, len, depth + 1);
    }
    case BTF_KIND_INT:
        if (btf_int_encoding(w) != btf_int_encoding(g) || btf_int_bits(w) != btf_int_bits(g) ||
            btf_int_offset(w) != btf_int_offset(g)) {
            snprintf(why, len, "%s: another integer type", path);
            return -EPROTO;
        }
        return 0;
    default:
        return 0;
    }
}

int dp_btf_layout_cmp(const struct btf *want, const char *name, const struct btf *got,
                      uint32_t got_id, char *why, size_t len)
{
    int32_t wid = btf__find_by_name(want, name);
    if (wid < 0) {
        snprintf(why, len, "this build has no BTF type %s", name);
        return -ENOENT;
    }
    return type_cmp(want, (uint32_t)wid, got, got_id, name, why, len, 0);
}
