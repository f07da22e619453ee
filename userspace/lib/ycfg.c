/* ycfg: strict YAML configuration reading, shared by the daemons'
 * configuration parsers (see ycfg.h). */
#include "lib/ycfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR_TAIL_RESERVE 80 /* room kept for the "N more errors" line */

struct ycfg_err_line {
    unsigned line, col, seq;
    char *text;
};


static void errv(struct ycfg *c, unsigned line, unsigned col, const char *path, const char *fmt,
                 va_list ap)
{
    char msg[512], *text = NULL;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    int n;
    if (path && *path)
        n = asprintf(&text, "%s:%u:%u: %s: %s\n", c->file, line, col, path, msg);
    else
        n = asprintf(&text, "%s:%u:%u: %s\n", c->file, line, col, msg);
    if (n < 0) {
        c->oom = true;
        return;
    }
    if (c->n_err == c->cap_err) {
        size_t cap = c->cap_err ? c->cap_err * 2 : 16;
        struct ycfg_err_line *e = realloc(c->errs, cap * sizeof(*e));
        if (!e) {
            free(text);
            c->oom = true;
            return;
        }
        c->errs = e;
        c->cap_err = cap;
    }
    c->errs[c->n_err] = (struct ycfg_err_line){line, col, (unsigned)c->n_err, text};
    c->n_err++;
}

static int err_cmp(const void *a, const void *b)
{
    const struct ycfg_err_line *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Writes the errors in file order into buf; when it is too small, the last
 * line says how many did not fit.  Frees them. */
static void errs_flush(struct ycfg *c, char *buf, size_t cap)
{
    size_t used = 0, dropped = 0;
    if (c->n_err)
        qsort(c->errs, c->n_err, sizeof(*c->errs), err_cmp);
    for (size_t i = 0; i < c->n_err; i++) {
        size_t len = strlen(c->errs[i].text);
        if (buf && used + len + ERR_TAIL_RESERVE < cap) {
            memcpy(buf + used, c->errs[i].text, len + 1);
            used += len;
        } else {
            dropped++;
        }
        free(c->errs[i].text);
    }
    free(c->errs);
    c->errs = NULL;
    if (dropped && buf && cap > used)
        snprintf(buf + used, cap - used, "%s: %zu more errors not shown\n", c->file, dropped);
}

/* An error at a node's start (libyaml marks count from 0; ours from 1). */
void ycfg_err(struct ycfg *c, const yaml_node_t *n,
                                                      const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    errv(c, n ? (unsigned)n->start_mark.line + 1 : 1, n ? (unsigned)n->start_mark.column + 1 : 1,
         path, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------- node helpers ---- */

yaml_node_t *ycfg_node(struct ycfg *c, int idx)
{
    return yaml_document_get_node(c->doc, idx);
}

const char *ycfg_type_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

const char *ycfg_sval(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

bool ycfg_is_plain(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* A plain "", "~" or "null" (YAML's null) */
bool ycfg_is_null(const yaml_node_t *n)
{
    return ycfg_is_plain(n) && (!*ycfg_sval(n) || !strcmp(ycfg_sval(n), "~") || !strcmp(ycfg_sval(n), "null") ||
                           !strcmp(ycfg_sval(n), "Null") || !strcmp(ycfg_sval(n), "NULL"));
}

const char *ycfg_pj(char *buf, size_t cap, const char *path, const char *key)
{
    /* A path that does not fit is cut; it is only a message. */
    if (snprintf(buf, cap, "%s%s%s", path, *path ? "." : "", key) >= (int)cap)
        buf[cap - 2] = '~';
    return buf;
}

const char *ycfg_pidx(char *buf, size_t cap, const char *path, size_t i)
{
    if (snprintf(buf, cap, "%s[%zu]", path, i) >= (int)cap)
        buf[cap - 2] = '~';
    return buf;
}



/* Checks that n is a mapping whose keys are among keys[] and appear once;
 * m->val[i] is the value of keys[i] (NULL when absent).  False if n is not
 * a mapping (reported). */
bool ycfg_map_open(struct ycfg *c, yaml_node_t *n, const char *path, const char *const *keys,
                     size_t nkeys, struct ycfg_map *m)
{
    memset(m, 0, sizeof(*m));
    m->node = n;
    m->path = path;
    m->keys = keys;
    m->nkeys = nkeys;
    if (n->type != YAML_MAPPING_NODE) {
        ycfg_err(c, n, path, "expected a mapping, got %s", ycfg_type_name(n));
        return false;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = ycfg_node(c, p->key), *v = ycfg_node(c, p->value);
        if (!k || !v)
            continue;
        if (k->type != YAML_SCALAR_NODE) {
            ycfg_err(c, k, path, "keys must be plain words, got %s", ycfg_type_name(k));
            continue;
        }
        size_t i;
        for (i = 0; i < nkeys; i++)
            if (!strcmp(ycfg_sval(k), keys[i]))
                break;
        char kp[YCFG_PATH_LEN];
        if (i == nkeys) {
            ycfg_err(c, k, ycfg_pj(kp, sizeof(kp), path, ycfg_sval(k)), "unknown key");
            continue;
        }
        if (m->key[i]) {
            ycfg_err(c, k, ycfg_pj(kp, sizeof(kp), path, ycfg_sval(k)), "duplicate key (first at line %u)",
                (unsigned)m->key[i]->start_mark.line + 1);
            continue;
        }
        m->key[i] = k;
        m->val[i] = v;
    }
    return true;
}

yaml_node_t *ycfg_map_get(struct ycfg_map *m, const char *key)
{
    for (size_t i = 0; i < m->nkeys; i++)
        if (!strcmp(m->keys[i], key))
            return m->val[i];
    return NULL;
}

yaml_node_t *ycfg_map_need(struct ycfg *c, struct ycfg_map *m, const char *key)
{
    yaml_node_t *v = ycfg_map_get(m, key);
    if (!v) {
        char kp[YCFG_PATH_LEN];
        ycfg_err(c, m->node, ycfg_pj(kp, sizeof(kp), m->path, key), "required key missing");
    }
    return v;
}

bool ycfg_want_scalar(struct ycfg *c, yaml_node_t *n, const char *path, const char *what)
{
    if (n->type != YAML_SCALAR_NODE) {
        ycfg_err(c, n, path, "expected %s, got %s", what, ycfg_type_name(n));
        return false;
    }
    if (ycfg_is_null(n)) {
        ycfg_err(c, n, path, "expected %s, got no value", what);
        return false;
    }
    return true;
}

/* -------------------------------------------------------- readers ---- */

/* A plain decimal integer; false (reported) otherwise. */
bool ycfg_rd_uint(struct ycfg *c, yaml_node_t *n, const char *path, uint64_t min, uint64_t max,
                    uint64_t *out)
{
    if (!ycfg_want_scalar(c, n, path, "an integer"))
        return false;
    const char *s = ycfg_sval(n);
    bool neg = *s == '-';
    const char *d = neg ? s + 1 : s;
    if (!ycfg_is_plain(n) || !*d || strspn(d, "0123456789") != strlen(d)) {
        ycfg_err(c, n, path, "'%s' is not an integer", s);
        return false;
    }
    errno = 0;
    unsigned long long v = strtoull(d, NULL, 10);
    if (neg || errno == ERANGE || v < min || v > max) {
        ycfg_err(c, n, path, "%s is out of range %llu..%llu", s, (unsigned long long)min,
            (unsigned long long)max);
        return false;
    }
    *out = v;
    return true;
}


void ycfg_rd_bool(struct ycfg *c, yaml_node_t *n, const char *path, bool *out)
{
    if (!n || !ycfg_want_scalar(c, n, path, "true or false"))
        return;
    const char *s = ycfg_sval(n);
    if (ycfg_is_plain(n) && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")))
        *out = true;
    else if (ycfg_is_plain(n) && (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")))
        *out = false;
    else
        ycfg_err(c, n, path, "'%s' is not true or false", s);
}

/* A string of minlen..cap-1 characters.  A quoted "" is the empty string;
 * a missing value is an error. */
bool ycfg_rd_str(struct ycfg *c, yaml_node_t *n, const char *path, char *dst, size_t cap,
                   size_t minlen)
{
    if (!n)
        return false;
    if (n->type != YAML_SCALAR_NODE) {
        ycfg_err(c, n, path, "expected a string, got %s", ycfg_type_name(n));
        return false;
    }
    if (ycfg_is_null(n)) {
        ycfg_err(c, n, path, "expected a string, got no value%s",
            minlen == 0 ? " (write \"\" for empty)" : "");
        return false;
    }
    size_t len = n->data.scalar.length;
    if (strlen(ycfg_sval(n)) != len) {
        ycfg_err(c, n, path, "contains a NUL character");
        return false;
    }
    if (len < minlen || len >= cap) {
        ycfg_err(c, n, path, "length %zu is out of range %zu..%zu", len, minlen, cap - 1);
        return false;
    }
    memcpy(dst, ycfg_sval(n), len + 1);
    return true;
}

bool ycfg_rd_enum(struct ycfg *c, yaml_node_t *n, const char *path, const char *const *names,
                    size_t count, int *out)
{
    if (!n || !ycfg_want_scalar(c, n, path, "a word"))
        return false;
    for (size_t i = 0; i < count; i++)
        if (!strcmp(ycfg_sval(n), names[i])) {
            *out = (int)i;
            return true;
        }
    char list[160] = "";
    for (size_t i = 0; i < count; i++)
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? " | " : "",
                 names[i]);
    ycfg_err(c, n, path, "'%s' is not one of %s", ycfg_sval(n), list);
    return false;
}



bool ycfg_rd_unit(struct ycfg *c, yaml_node_t *n, const char *path, const struct ycfg_unit *units,
                    size_t nunits, const char *what, const char *range, uint64_t min, uint64_t max,
                    uint64_t *out)
{
    if (!ycfg_want_scalar(c, n, path, what))
        return false;
    const char *s = ycfg_sval(n);
    size_t nd = strspn(s, "0123456789");
    const struct ycfg_unit *u = NULL;
    for (size_t i = 0; nd > 0 && i < nunits; i++)
        if (!strcmp(s + nd, units[i].suffix))
            u = &units[i];
    if (!u) {
        ycfg_err(c, n, path, "'%s' is not %s", s, what);
        return false;
    }
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno == ERANGE || nd > 19 || v > UINT64_MAX / u->mul || v * u->mul < min ||
        v * u->mul > max) {
        ycfg_err(c, n, path, "%s is out of range %s", s, range);
        return false;
    }
    *out = v * u->mul;
    return true;
}


bool ycfg_rd_ipv4(struct ycfg *c, yaml_node_t *n, const char *path, struct in_addr *out)
{
    if (!n || !ycfg_want_scalar(c, n, path, "an IPv4 address"))
        return false;
    if (inet_pton(AF_INET, ycfg_sval(n), out) != 1) {
        ycfg_err(c, n, path, "'%s' is not an IPv4 address (dotted quad)", ycfg_sval(n));
        return false;
    }
    return true;
}

/* A list node: false (reported) when n is not a sequence. */
bool ycfg_want_seq(struct ycfg *c, yaml_node_t *n, const char *path)
{
    if (n->type != YAML_SEQUENCE_NODE) {
        ycfg_err(c, n, path, "expected a list, got %s", ycfg_type_name(n));
        return false;
    }
    return true;
}


size_t ycfg_seq_len(yaml_node_t *n)
{
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

/* A list of IPv4 addresses, at most max. */
void ycfg_rd_ipv4_list(struct ycfg *c, yaml_node_t *n, const char *path, struct in_addr *out,
                         size_t max, size_t *count)
{
    char ip[YCFG_PATH_LEN];
    if (!n || !ycfg_want_seq(c, n, path))
        return;
    if (ycfg_seq_len(n) > max) {
        ycfg_err(c, n, path, "%zu entries, at most %zu allowed", ycfg_seq_len(n), max);
        return;
    }
    size_t k = 0, i = 0;
    bool ok = true;
    YCFG_SEQ_FOREACH(c, n, it, item)
    {
        if (ycfg_rd_ipv4(c, item, ycfg_pidx(ip, sizeof(ip), path, i++), &out[k]))
            k++;
        else
            ok = false;
    }
    if (ok)
        *count = k;
}
static const struct ycfg_unit dur_units[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 3600 * 1000}};

bool ycfg_rd_duration_ms(struct ycfg *c, yaml_node_t *n, const char *path, uint64_t min_ms,
                         uint64_t max_ms, const char *range, uint64_t *out)
{
    return n && ycfg_rd_unit(c, n, path, dur_units, 4, "a duration (integer with ms, s, m or h)",
                             range, min_ms, max_ms, out);
}

/* ------------------------------------------------------------ load ---- */

int ycfg_load_string(const char *name, const char *text, size_t len, ycfg_root_fn root_fn,
                     void *arg, char *errbuf, size_t errlen)
{
    struct ycfg c = {.file = name};
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = 0;

    if (errbuf && errlen)
        errbuf[0] = 0;
    if (!yaml_parser_initialize(&parser))
        return -ENOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        /* A syntax error: libyaml stops there, so this is the only error. */
        const yaml_mark_t *mk = &parser.problem_mark;
        char msg[300];
        snprintf(msg, sizeof(msg), "YAML syntax: %s%s%s", parser.problem ? parser.problem : "error",
                 parser.context ? " " : "", parser.context ? parser.context : "");
        ycfg_err(&c, &(yaml_node_t){.start_mark = *mk}, NULL, "%s", msg);
        rc = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
        yaml_parser_delete(&parser);
        errs_flush(&c, errbuf, errlen);
        return rc;
    }
    c.doc = &doc;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        ycfg_err(&c, NULL, NULL, "the file is empty");
    } else {
        root_fn(&c, root, arg);
        /* One document per file: a second one would be silently ignored. */
        yaml_document_t next;
        if (yaml_parser_load(&parser, &next)) {
            yaml_node_t *r2 = yaml_document_get_root_node(&next);
            if (r2)
                ycfg_err(&c, r2, NULL, "a second YAML document; the file must hold one");
            yaml_document_delete(&next);
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (c.oom)
        rc = -ENOMEM;
    else if (c.n_err)
        rc = -EINVAL;
    errs_flush(&c, errbuf, errlen);
    return rc;
}

int ycfg_load_file(const char *path, ycfg_root_fn root_fn, void *arg, char *errbuf, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "%s: %s\n", path, strerror(e));
        return -e;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 16384;
            if (cap > (1u << 24)) { /* 16 MiB: not a configuration file */
                free(text);
                fclose(f);
                if (errbuf && errlen)
                    snprintf(errbuf, errlen, "%s: file too large\n", path);
                return -EFBIG;
            }
            char *t = realloc(text, cap);
            if (!t) {
                free(text);
                fclose(f);
                return -ENOMEM;
            }
            text = t;
        }
        size_t r = fread(text + len, 1, cap - len, f);
        len += r;
        if (r == 0)
            break;
    }
    int ioerr = ferror(f);
    fclose(f);
    if (ioerr) {
        free(text);
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "%s: read error\n", path);
        return -EIO;
    }
    int rc = ycfg_load_string(path, text, len, root_fn, arg, errbuf, errlen);
    free(text);
    return rc;
}
