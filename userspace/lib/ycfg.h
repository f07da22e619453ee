/* ycfg: strict YAML configuration reading (libyaml), shared by the daemons'
 * configuration parsers (agw_config.c, orc_config.c).
 *
 * A file is loaded as one YAML document (node graph with positions) and
 * handed to the caller's root reader.  Readers check each mapping against
 * the keys it may hold (unknown and duplicate keys are errors) and report
 * each bad value at its own position, keeping the default, so that one
 * pass reports every error of the file, in file order, one line each:
 *
 *     FILE:LINE:COL: key.path: reason
 *
 * Users link -lyaml. */
#ifndef XEPC_LIB_YCFG_H
#define XEPC_LIB_YCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>
#include <yaml.h>

#define YCFG_PATH_LEN 160 /* a key path in a message ("apns[3].arp.priority") */
#define YCFG_MAX_KEYS 24  /* keys one mapping may list */

struct ycfg_err_line;

/* One parse: the file name for messages, the document, the errors. */
struct ycfg {
    const char *file;
    yaml_document_t *doc;
    struct ycfg_err_line *errs;
    size_t n_err, cap_err;
    bool oom;
};

/* An error at a node's start (NULL: line 1). */
void ycfg_err(struct ycfg *c, const yaml_node_t *n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

yaml_node_t *ycfg_node(struct ycfg *c, int idx);
const char *ycfg_type_name(const yaml_node_t *n);
const char *ycfg_sval(const yaml_node_t *n);
bool ycfg_is_plain(const yaml_node_t *n);
bool ycfg_is_null(const yaml_node_t *n); /* a plain "", "~" or "null" */

/* path + "." + key, path + "[i]" into buf (cut with '~' if too long). */
const char *ycfg_pj(char *buf, size_t cap, const char *path, const char *key);
const char *ycfg_pidx(char *buf, size_t cap, const char *path, size_t i);

/* A mapping checked against its allowed keys: val[i] is the value of
 * keys[i] (NULL when absent). */
struct ycfg_map {
    yaml_node_t *node;
    const char *path;
    const char *const *keys;
    size_t nkeys;
    yaml_node_t *val[YCFG_MAX_KEYS];
    yaml_node_t *key[YCFG_MAX_KEYS];
};

/* False (reported) if n is not a mapping; unknown and duplicate keys are
 * reported and skipped. */
bool ycfg_map_open(struct ycfg *c, yaml_node_t *n, const char *path, const char *const *keys,
                   size_t nkeys, struct ycfg_map *m);
yaml_node_t *ycfg_map_get(struct ycfg_map *m, const char *key);
/* As map_get; a missing key is reported. */
yaml_node_t *ycfg_map_need(struct ycfg *c, struct ycfg_map *m, const char *key);

bool ycfg_want_scalar(struct ycfg *c, yaml_node_t *n, const char *path, const char *what);
bool ycfg_want_seq(struct ycfg *c, yaml_node_t *n, const char *path);
size_t ycfg_seq_len(yaml_node_t *n);

#define YCFG_SEQ_FOREACH(c, n, it, item)                                                     \
    for (yaml_node_item_t *it = (n)->data.sequence.items.start;                              \
         it < (n)->data.sequence.items.top; it++)                                            \
        for (yaml_node_t *item = ycfg_node((c), *it); item; item = NULL)

/* Value readers: true and *out set on success, false (reported) else. */
bool ycfg_rd_uint(struct ycfg *c, yaml_node_t *n, const char *path, uint64_t min, uint64_t max,
                  uint64_t *out);
void ycfg_rd_bool(struct ycfg *c, yaml_node_t *n, const char *path, bool *out);
/* minlen..cap-1 characters; a quoted "" is the empty string. */
bool ycfg_rd_str(struct ycfg *c, yaml_node_t *n, const char *path, char *dst, size_t cap,
                 size_t minlen);
bool ycfg_rd_enum(struct ycfg *c, yaml_node_t *n, const char *path, const char *const *names,
                  size_t count, int *out);
bool ycfg_rd_ipv4(struct ycfg *c, yaml_node_t *n, const char *path, struct in_addr *out);
void ycfg_rd_ipv4_list(struct ycfg *c, yaml_node_t *n, const char *path, struct in_addr *out,
                       size_t max, size_t *count);

/* An integer with a unit suffix; the table gives the multiplier. */
struct ycfg_unit {
    const char *suffix;
    uint64_t mul;
};
bool ycfg_rd_unit(struct ycfg *c, yaml_node_t *n, const char *path, const struct ycfg_unit *units,
                  size_t nunits, const char *what, const char *range, uint64_t min, uint64_t max,
                  uint64_t *out);
/* A duration with ms, s, m or h, in milliseconds. */
bool ycfg_rd_duration_ms(struct ycfg *c, yaml_node_t *n, const char *path, uint64_t min_ms,
                         uint64_t max_ms, const char *range, uint64_t *out);

#define YCFG_RD_UINT(c, n, path, min, max, dst)                                              \
    do {                                                                                     \
        uint64_t v_;                                                                         \
        if ((n) && ycfg_rd_uint((c), (n), (path), (min), (max), &v_))                        \
            (dst) = v_;                                                                      \
    } while (0)

#define YCFG_RD_ENUM(c, n, path, names, dst)                                                 \
    do {                                                                                     \
        int e_;                                                                              \
        if (ycfg_rd_enum((c), (n), (path), (names), sizeof(names) / sizeof(names[0]), &e_))  \
            (dst) = e_;                                                                      \
    } while (0)

/* Parses text as one YAML document and calls root(c, root_node, arg);
 * writes every error (file order) into errbuf.  0, -EINVAL (errors
 * written) or -ENOMEM. */
typedef void (*ycfg_root_fn)(struct ycfg *c, yaml_node_t *root, void *arg);
int ycfg_load_string(const char *name, const char *text, size_t len, ycfg_root_fn root, void *arg,
                     char *errbuf, size_t errlen);
/* Reads a whole file (at most 16 MiB) and loads it as above. */
int ycfg_load_file(const char *path, ycfg_root_fn root, void *arg, char *errbuf, size_t errlen);

#endif
