/* diamsim: an HSS (S6a), PCRF (Gx) and OCS (Gy) peer on freeDiameter for
 * tests and demos, scriptable from a file (--script) and the command line
 * (-c LINE).  It records every message it receives as a JSON line
 * (--record) so that tests can assert what the gateway sent.
 * See `diamsim --help` and docs/charging.md. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diameter/diam.h"
#include "lib/hex.h"
#include "sec/auth_vector.h"
#include "sim_util.h"

/* subscribers: as many as a script lists (the array grows while the
 * script is read, before any request is served) */
#define MAX_SUBS    (1u << 20)
#define MAX_RULES   32
#define MAX_QUOTAS  32
#define MAX_FAULTS  16
#define MAX_TIMED   16
#define MAX_SESS    128
#define MAX_LATE    256                 /* answers held back by `delay` */

struct sub {
    char imsi[16];
    uint8_t k[16], opc[16];
    struct sec_sqn_he he;
    char msisdn[16];
    char apn[DIAM_STR_MAX];
    uint32_t ambr_ul, ambr_dl, qci;
    uint32_t arp;                       /* the APN's ARP priority, 0 = 15 */
    char mme_host[DIAM_ID_MAX];         /* from its last ULR */
};

struct rule {                           /* Gx: installed in CCA-I */
    char imsi[16];
    int kind;                           /* 0 name, 1 base, 2 definition */
    struct diam_rule_def def;
};

struct quota {                          /* Gy: per IMSI and rating group */
    char imsi[16];
    uint32_t rg;
    uint64_t remaining;                 /* budget not yet granted */
    uint64_t grant;                     /* per CCR, 0 = all remaining */
    uint32_t threshold, validity;
    uint32_t validity_from;             /* grants before this second of the
                                           run last until then (staggered) */
    uint32_t issued;                    /* grants so far */
    struct diam_fui final;              /* with the last grant */
    uint64_t used;                      /* reported so far */
    uint64_t outstanding;               /* granted, not yet settled by a
                                           report */
};

struct fault {                          /* error answers, silence, delay */
    char cmd[8];                        /* air ulr pur gx gy */
    uint32_t cc_type;                   /* 0 = any */
    uint32_t code;                      /* 0 = silence */
    uint32_t delay_ms;                  /* > 0: handled, answered that late */
    bool exp;
    int count;                          /* < 0 forever */
    uint32_t skip;                      /* matching requests let through first */
};

struct timed {                          /* rar / clr / idr at a time */
    double at;                          /* since start, or ... */
    bool after;                         /* ... since the IMSI's session began */
    struct sim_line line;
    bool done;
};

struct sess {
    char sid[DIAM_ID_MAX + 64];
    char imsi[16];
    char origin[DIAM_ID_MAX];
    uint32_t app;
    double t;                           /* when its first request came */
};

/* A Gx/Gy CCR answered: a request sent again (RFC 6733 3: the T flag; RFC
 * 4006 5.1: the same Session-Id and CC-Request-Number) gets this answer
 * again and is not counted again. */
#define MAX_ANSWERED 512
struct answered {
    uint32_t app;
    uint32_t no;                        /* CC-Request-Number */
    uint32_t e2e;                       /* End-to-End Identifier */
    uint32_t hash;                      /* of sid */
    char sid[DIAM_ID_MAX + 64];
    char origin[DIAM_ID_MAX];
    union {
        struct diam_gy_cca gy;
        struct diam_gx_cca gx;
    } *cca;
};

struct sim {
    struct diam_node *node;
    char realm[DIAM_ID_MAX];
    FILE *rec;
    struct timespec t0;
    struct sub *subs;
    unsigned n_subs, cap_subs;
    struct rule rules[MAX_RULES];
    unsigned n_rules;
    struct quota quotas[MAX_QUOTAS];
    unsigned n_quotas;
    struct fault faults[MAX_FAULTS];
    unsigned n_faults;
    struct timed timed[MAX_TIMED];
    unsigned n_timed;
    struct sess sess[MAX_SESS];
    unsigned n_sess;
    bool has_ccfh, has_gx_ccfh;         /* in Gy CCAs / in Gx CCAs */
    uint32_t ccfh, gx_ccfh;
    unsigned n_monitors;                /* Usage-Monitoring-Information of every CCA-I */
    struct diam_usage_monitor monitors[DIAM_MAX_MONITORS];
    unsigned n_triggers;                /* Event-Trigger of every CCA-I */
    uint32_t triggers[DIAM_MAX_TRIGGERS];
    uint32_t default_qci, default_arp;  /* Default-EPS-Bearer-QoS of every CCA-I, 0 = none */
    uint32_t default_ambr_ul, default_ambr_dl;  /* its APN-AMBR, 0 = the CCR-I's */
    bool accept_qos;                    /* CCA-U authorises a reported QoS change */
    struct answered answered[MAX_ANSWERED];  /* a ring */
    unsigned next_answered;
    /* what became of the request being handled, for its record line */
    bool cur_dup, cur_silenced, cur_retransmit;
    uint32_t cur_e2e;                   /* its End-to-End Identifier */
    bool rec_answers;                   /* --record-answers */
    char *cur_answer;                   /* its answer's JSON, for the line after it */
    size_t cur_answer_len;
    uint32_t cur_delay_ms;              /* its answer held back that long */
    struct late {                       /* answers held back (`delay`) */
        struct msg *m;
        double due;
    } late[MAX_LATE];
    unsigned n_late;
};

static volatile sig_atomic_t stop;

static void on_signal(int s)
{
    (void)s;
    stop = 1;
}

static double now_s(const struct sim *s)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - s->t0.tv_sec) + (t.tv_nsec - s->t0.tv_nsec) / 1e9;
}

/* Every answer to a request goes here.  With --record-answers its JSON is
 * taken before it leaves (the send consumes it) and written as the line
 * after the request's (on_request): what a test or the demo shows of the
 * exchange, e.g. the grants of the CCAs. */
static void send_answer(struct sim *s, struct msg **m)
{
    if (s->rec && s->rec_answers && !s->cur_answer) {
        FILE *mf = open_memstream(&s->cur_answer, &s->cur_answer_len);
        if (mf) {
            sim_json_msg(mf, *m);
            fclose(mf);
        }
    }
    /* `delay`: held back (the client's Tx timer may run out first, RFC
     * 4006 5.7), sent by send_late */
    if (s->cur_delay_ms && s->n_late < MAX_LATE) {
        s->late[s->n_late++] = (struct late){ .m = *m, .due = now_s(s) + s->cur_delay_ms / 1e3 };
        *m = NULL;
        return;
    }
    diam_send_answer(s->node, m);
}

static struct sub *find_sub(struct sim *s, const char *imsi)
{
    for (unsigned i = 0; i < s->n_subs; i++)
        if (!strcmp(s->subs[i].imsi, imsi))
            return &s->subs[i];
    return NULL;
}

static struct sess *find_sess_imsi(struct sim *s, const char *imsi, uint32_t app)
{
    for (unsigned i = s->n_sess; i-- > 0;)
        if (!strcmp(s->sess[i].imsi, imsi) && s->sess[i].app == app)
            return &s->sess[i];
    return NULL;
}

static void remember_sess(struct sim *s, const struct diam_header_info *h,
                          const char *imsi, uint32_t app)
{
    for (unsigned i = 0; i < s->n_sess; i++)
        if (!strcmp(s->sess[i].sid, h->session_id))
            return;
    if (s->n_sess == MAX_SESS) {
        memmove(&s->sess[0], &s->sess[1], sizeof(s->sess[0]) * (MAX_SESS - 1));
        s->n_sess--;
    }
    struct sess *x = &s->sess[s->n_sess++];
    snprintf(x->sid, sizeof(x->sid), "%s", h->session_id);
    snprintf(x->imsi, sizeof(x->imsi), "%s", imsi);
    snprintf(x->origin, sizeof(x->origin), "%s", h->origin_host);
    x->app = app;
    x->t = now_s(s);
}

/* -------------------------------------------------------- script ---- */

static int parse_rule_def(const struct sim_line *l, struct diam_rule_def *d)
{
    const char *v;
    memset(d, 0, sizeof(*d));
    snprintf(d->name, sizeof(d->name), "%s", sim_kv(l, 2, "def", 0));
    if ((v = sim_kv(l, 2, "rg", 0))) {
        if (!sim_u32(v, &d->rating_group))
            return -EINVAL;
        d->has_rating_group = true;
    }
    if ((v = sim_kv(l, 2, "prec", 0)) && !sim_u32(v, &d->precedence))
        return -EINVAL;
    if ((v = sim_kv(l, 2, "status", 0))) {
        if (!sim_u32(v, &d->flow_status))
            return -EINVAL;
        d->has_flow_status = true;
    }
    if ((v = sim_kv(l, 2, "mk", 0)))
        snprintf(d->monitoring_key, sizeof(d->monitoring_key), "%s", v);
    if ((v = sim_kv(l, 2, "online", 0))) {
        if (!sim_u32(v, &d->online))
            return -EINVAL;
        d->has_online = true;
    }
    if ((v = sim_kv(l, 2, "qci", 0))) {
        if (!sim_u32(v, &d->qos.qci))
            return -EINVAL;
        d->qos.present = true;
    }
    if ((v = sim_kv(l, 2, "mbr", 0))) {
        if (sscanf(v, "%u/%u", &d->qos.mbr_ul, &d->qos.mbr_dl) != 2)
            return -EINVAL;
        d->qos.present = true;
    }
    if ((v = sim_kv(l, 2, "gbr", 0))) {
        if (sscanf(v, "%u/%u", &d->qos.gbr_ul, &d->qos.gbr_dl) != 2)
            return -EINVAL;
        d->qos.present = true;
    }
    if ((v = sim_kv(l, 2, "arp", 0))) {
        /* TS 29.212 5.3.32: priority level; pre-emption capability and
         * vulnerability DISABLED (1) and ENABLED (0) */
        if (!sim_u32(v, &d->qos.arp.priority) || d->qos.arp.priority < 1 ||
            d->qos.arp.priority > 15)
            return -EINVAL;
        d->qos.arp.pre_emption_capability = 1;
        d->qos.arp.pre_emption_vulnerability = 0;
        d->qos.has_arp = true;
        d->qos.present = true;
    }
    for (int i = 0; i < DIAM_MAX_FLOWS && (v = sim_kv(l, 2, "flow", i)); i++) {
        snprintf(d->flows[i].description, sizeof(d->flows[i].description), "%s", v);
        d->flows[i].direction = 3;      /* BIDIRECTIONAL */
        d->n_flows++;
    }
    return 0;
}

static int parse_fui(const struct sim_line *l, struct diam_fui *f)
{
    const char *v = sim_kv(l, 2, "final", 0);
    memset(f, 0, sizeof(*f));
    f->action = DIAM_FUA_NONE;
    if (!v)
        return 0;
    if (!strcmp(v, "terminate")) {
        f->action = DIAM_FUA_TERMINATE;
    } else if (!strcmp(v, "redirect")) {
        f->action = DIAM_FUA_REDIRECT;
        const char *url = sim_kv(l, 2, "redirect", 0);
        if (!url)
            return -EINVAL;
        f->redirect_addr_type = strncmp(url, "http", 4) ? 0 : 2;   /* IPv4 or URL */
        snprintf(f->redirect_addr, sizeof(f->redirect_addr), "%s", url);
    } else if (!strcmp(v, "restrict")) {
        f->action = DIAM_FUA_RESTRICT_ACCESS;
        for (int i = 0; i < DIAM_MAX_FILTERS && (v = sim_kv(l, 2, "filter", i)); i++)
            snprintf(f->filter_ids[f->n_filter_ids++], DIAM_STR_MAX, "%s", v);
        for (int i = 0; i < DIAM_MAX_FILTERS && (v = sim_kv(l, 2, "restrict", i)); i++)
            snprintf(f->restrict_rules[f->n_restrict++], DIAM_FLOW_MAX, "%s", v);
    } else {
        return -EINVAL;
    }
    return 0;
}

static int script_line(struct sim *s, const char *text)
{
    struct sim_line l;
    const char *v;
    if (sim_split(text, &l))
        return -EINVAL;
    if (l.n == 0)
        return 0;
    const char *cmd = l.tok[0];
    if (!strcmp(cmd, "subscriber")) {
        /* subscriber IMSI k=HEX opc=HEX [sqn=N] [msisdn=] [apn=] [ambr=UL/DL] [qci=] */
        if (l.n < 2 || s->n_subs == MAX_SUBS || strlen(l.tok[1]) > 15)
            return -EINVAL;
        if (s->n_subs == s->cap_subs) {
            unsigned cap = s->cap_subs ? s->cap_subs * 2 : 64;
            struct sub *n = realloc(s->subs, cap * sizeof(*n));
            if (!n)
                return -ENOMEM;
            s->subs = n;
            s->cap_subs = cap;
        }
        struct sub *u = &s->subs[s->n_subs];
        memset(u, 0, sizeof(*u));
        snprintf(u->imsi, sizeof(u->imsi), "%s", l.tok[1]);
        if (!(v = sim_kv(&l, 2, "k", 0)) || hex_decode_exact(v, u->k, 16) ||
            !(v = sim_kv(&l, 2, "opc", 0)) || hex_decode_exact(v, u->opc, 16))
            return -EINVAL;
        uint64_t sqn = 0;
        if ((v = sim_kv(&l, 2, "sqn", 0)) && !sim_u64(v, &sqn))
            return -EINVAL;
        /* SQN = SEQ || IND (TS 33.102 C.3.2), as the local HSS stores it */
        u->he.seq_he = sqn >> SEC_SQN_IND_BITS;
        u->he.ind = (uint8_t)(((sqn & (SEC_SQN_IND_COUNT - 1)) + 1) % SEC_SQN_IND_COUNT);
        snprintf(u->msisdn, sizeof(u->msisdn), "%s", (v = sim_kv(&l, 2, "msisdn", 0)) ? v : "");
        snprintf(u->apn, sizeof(u->apn), "%s", (v = sim_kv(&l, 2, "apn", 0)) ? v : "internet");
        u->ambr_ul = 50000000;
        u->ambr_dl = 100000000;
        if ((v = sim_kv(&l, 2, "ambr", 0)) && sscanf(v, "%u/%u", &u->ambr_ul, &u->ambr_dl) != 2)
            return -EINVAL;
        u->qci = 9;
        if ((v = sim_kv(&l, 2, "qci", 0)) && !sim_u32(v, &u->qci))
            return -EINVAL;
        s->n_subs++;
    } else if (!strcmp(cmd, "rule")) {
        /* rule IMSI name=N | base=N | def=N [rg=] [prec=] [flow="..."]... */
        if (l.n < 3 || s->n_rules == MAX_RULES)
            return -EINVAL;
        struct rule *r = &s->rules[s->n_rules];
        memset(r, 0, sizeof(*r));
        snprintf(r->imsi, sizeof(r->imsi), "%s", l.tok[1]);
        if ((v = sim_kv(&l, 2, "name", 0))) {
            r->kind = 0;
            snprintf(r->def.name, sizeof(r->def.name), "%s", v);
        } else if ((v = sim_kv(&l, 2, "base", 0))) {
            r->kind = 1;
            snprintf(r->def.name, sizeof(r->def.name), "%s", v);
        } else if (sim_kv(&l, 2, "def", 0)) {
            r->kind = 2;
            if (parse_rule_def(&l, &r->def))
                return -EINVAL;
        } else {
            return -EINVAL;
        }
        s->n_rules++;
    } else if (!strcmp(cmd, "quota")) {
        /* quota IMSI rg=N total=BYTES [grant=] [threshold=] [validity=]
         *       [final=terminate|redirect|restrict] [redirect=URL]
         *       [filter=ID]... [restrict="IPFilterRule"]... */
        if (l.n < 3 || s->n_quotas == MAX_QUOTAS)
            return -EINVAL;
        struct quota *q = &s->quotas[s->n_quotas];
        memset(q, 0, sizeof(*q));
        snprintf(q->imsi, sizeof(q->imsi), "%s", l.tok[1]);
        if (!sim_u32(sim_kv(&l, 2, "rg", 0), &q->rg) ||
            !sim_u64(sim_kv(&l, 2, "total", 0), &q->remaining))
            return -EINVAL;
        if ((v = sim_kv(&l, 2, "grant", 0)) && !sim_u64(v, &q->grant))
            return -EINVAL;
        if ((v = sim_kv(&l, 2, "threshold", 0)) && !sim_u32(v, &q->threshold))
            return -EINVAL;
        if ((v = sim_kv(&l, 2, "validity", 0)) && !sim_u32(v, &q->validity))
            return -EINVAL;
        if ((v = sim_kv(&l, 2, "validity_from", 0)) && !sim_u32(v, &q->validity_from))
            return -EINVAL;
        if (parse_fui(&l, &q->final))
            return -EINVAL;
        s->n_quotas++;
    } else if (!strcmp(cmd, "ccfh")) {
        /* ccfh [gx|gy] terminate|continue|retry (Gy when not named) */
        int k = l.n >= 3 && (!strcmp(l.tok[1], "gx") || !strcmp(l.tok[1], "gy")) ? 2 : 1;
        bool gx = k == 2 && !strcmp(l.tok[1], "gx");
        if (l.n < k + 1)
            return -EINVAL;
        uint32_t v = !strcmp(l.tok[k], "terminate") ? 0 : !strcmp(l.tok[k], "continue") ? 1 : 2;
        *(gx ? &s->has_gx_ccfh : &s->has_ccfh) = true;
        *(gx ? &s->gx_ccfh : &s->ccfh) = v;
    } else if (!strcmp(cmd, "monitor")) {
        /* monitor key=K bytes=N [level=session|rule]: Usage-Monitoring-
         * Information in CCA-I (TS 29.212 5.3.60, 5.3.61) */
        if (s->n_monitors >= DIAM_MAX_MONITORS)
            return -EINVAL;
        struct diam_usage_monitor *u = &s->monitors[s->n_monitors];
        memset(u, 0, sizeof(*u));
        u->granted = (struct diam_units){ .present = true, .has_total = true };
        if (!(v = sim_kv(&l, 1, "key", 0)) || !sim_u64(sim_kv(&l, 1, "bytes", 0), &u->granted.total))
            return -EINVAL;
        snprintf(u->key, sizeof(u->key), "%s", v);
        u->has_level = true;
        v = sim_kv(&l, 1, "level", 0);
        if (v && strcmp(v, "session") && strcmp(v, "rule"))
            return -EINVAL;
        u->level = v && !strcmp(v, "rule") ? 1 : 0;    /* 5.3.61 PCC_RULE_LEVEL : SESSION_LEVEL */
        s->n_monitors++;
    } else if (!strcmp(cmd, "trigger")) {
        /* trigger N...: Event-Triggers (TS 29.212 5.3.7) armed in every
         * CCA-I */
        for (int i = 1; i < l.n; i++)
            if (s->n_triggers >= DIAM_MAX_TRIGGERS || !sim_u32(l.tok[i], &s->triggers[s->n_triggers++]))
                return -EINVAL;
    } else if (!strcmp(cmd, "default_qos")) {
        /* default_qos qci=N [arp=N] [ambr=UL/DL]: Default-EPS-Bearer-QoS
         * (TS 29.212 4.5.5.0a) and the APN-AMBR authorised (4.5.5.7,
         * instead of the CCR-I's) in every CCA-I */
        if (!sim_u32(sim_kv(&l, 1, "qci", 0), &s->default_qci) ||
            ((v = sim_kv(&l, 1, "arp", 0)) && !sim_u32(v, &s->default_arp)) ||
            ((v = sim_kv(&l, 1, "ambr", 0)) &&
             sscanf(v, "%u/%u", &s->default_ambr_ul, &s->default_ambr_dl) != 2))
            return -EINVAL;
    } else if (!strcmp(cmd, "accept_qos")) {
        /* accept_qos: a CCR-U reporting QOS_CHANGE or DEFAULT_EPS_BEARER_
         * QOS_CHANGE (an HSS change, TS 23.401 5.3.9.2) gets a CCA-U that
         * authorises the reported values (TS 29.212 4.5.5.0a, 4.5.5.7) */
        s->accept_qos = true;
    } else if (!strcmp(cmd, "error") || !strcmp(cmd, "silence") || !strcmp(cmd, "delay")) {
        /* error air|ulr|pur|gx|gy CODE [exp] [count=N] [type=1..3] [skip=N]
         * silence air|ulr|pur|gx|gy [count=N] [type=1..3] [skip=N]
         * delay gx|gy MS [count=N] [type=1..3] [skip=N]: the request is
         * handled (counted) as always, its answer leaves MS ms later */
        bool err = !strcmp(cmd, "error"), delay = !strcmp(cmd, "delay");
        if (l.n < (err || delay ? 3 : 2) || s->n_faults == MAX_FAULTS)
            return -EINVAL;
        struct fault *f = &s->faults[s->n_faults];
        memset(f, 0, sizeof(*f));
        snprintf(f->cmd, sizeof(f->cmd), "%s", l.tok[1]);
        if (err && !sim_u32(l.tok[2], &f->code))
            return -EINVAL;
        if (delay && (strcmp(f->cmd, "gx") && strcmp(f->cmd, "gy")))
            return -EINVAL;
        if (delay && (!sim_u32(l.tok[2], &f->delay_ms) || !f->delay_ms))
            return -EINVAL;
        for (int i = 2; i < l.n; i++)
            if (!strcmp(l.tok[i], "exp"))
                f->exp = true;
        uint32_t c;
        f->count = (v = sim_kv(&l, 2, "count", 0)) && sim_u32(v, &c) ? (int)c : -1;
        if ((v = sim_kv(&l, 2, "type", 0)) && !sim_u32(v, &f->cc_type))
            return -EINVAL;
        if ((v = sim_kv(&l, 2, "skip", 0)) && !sim_u32(v, &f->skip))
            return -EINVAL;
        s->n_faults++;
    } else if (!strcmp(cmd, "rar") || !strcmp(cmd, "clr") || !strcmp(cmd, "idr")) {
        /* rar at=S gx|gy IMSI [install=N] [remove=N] [rg=N]
         * clr at=S IMSI [type=N];  idr at=S IMSI [ambr=UL/DL] [qci=N] */
        uint32_t at;
        const char *rel = sim_kv(&l, 1, "after", 0);
        if (s->n_timed == MAX_TIMED || !sim_u32(rel ? rel : sim_kv(&l, 1, "at", 0), &at))
            return -EINVAL;
        s->timed[s->n_timed].at = at;
        s->timed[s->n_timed].after = rel != NULL;
        s->timed[s->n_timed].line = l;
        /* the tokens point into line.buf: rebase them into the copy */
        for (int i = 0; i < l.n; i++)
            s->timed[s->n_timed].line.tok[i] = s->timed[s->n_timed].line.buf +
                                               (l.tok[i] - l.buf);
        s->n_timed++;
    } else {
        return -EINVAL;
    }
    return 0;
}

static int load_script(struct sim *s, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int n = 0;
    if (!f) {
        fprintf(stderr, "diamsim: %s: %s\n", path, strerror(errno));
        return -errno;
    }
    while (fgets(line, sizeof(line), f)) {
        n++;
        if (script_line(s, line)) {
            fprintf(stderr, "diamsim: %s:%d: cannot parse: %s", path, n, line);
            fclose(f);
            return -EINVAL;
        }
    }
    fclose(f);
    return 0;
}

/* -------------------------------------------------------- answers ---- */

/* The fault that applies to this request, consumed; NULL if none. */
static struct fault *take_fault(struct sim *s, const char *cmd, uint32_t cc_type)
{
    for (unsigned i = 0; i < s->n_faults; i++) {
        struct fault *f = &s->faults[i];
        if (f->count == 0 || strcmp(f->cmd, cmd) || (f->cc_type && f->cc_type != cc_type))
            continue;
        if (f->skip) {
            f->skip--;      /* this one answered as usual */
            continue;
        }
        if (f->count > 0)
            f->count--;
        return f;
    }
    return NULL;
}

/* A request answered before (a duplicate): only a `delay` applies to it
 * (a slow OCS is slow with retransmissions too). */
static void apply_delay(struct sim *s, const char *cmd, uint32_t cc_type)
{
    for (unsigned i = 0; i < s->n_faults; i++) {
        struct fault *f = &s->faults[i];
        if (f->count == 0 || f->skip || strcmp(f->cmd, cmd) ||
            (f->cc_type && f->cc_type != cc_type))
            continue;
        if (!f->delay_ms)
            return;
        if (f->count > 0)
            f->count--;
        s->cur_delay_ms = f->delay_ms;
        return;
    }
}

/* Answer with the fault (1), leave unanswered (1) or let it be (0: a
 * delay is then noted for send_answer). */
static int apply_fault(struct sim *s, struct msg **req, const char *cmd, uint32_t cc_type)
{
    struct fault *f = take_fault(s, cmd, cc_type);
    if (!f)
        return 0;
    if (f->delay_ms) {
        s->cur_delay_ms = f->delay_ms;
        return 0;
    }
    if (!f->code) {
        diam_msg_free(*req);    /* silence: the peer's Tx timer runs out */
        *req = NULL;
        s->cur_silenced = true;
        return 1;
    }
    if (f->exp) {
        struct diam_s6a_simple_answer a = { .h.exp_result_code = f->code };
        struct diam_s6a_aia aia = { .h = a.h };
        if (!strcmp(cmd, "air"))
            diam_s6a_aia_answer(req, &aia);
        else
            diam_s6a_simple_answer(req, &a);
    } else {
        diam_answer_result(req, f->code);
    }
    if (*req)
        send_answer(s, req);
    return 1;
}

static void on_air(struct sim *s, struct msg *m)
{
    struct diam_s6a_air air;
    struct diam_s6a_aia aia;
    memset(&aia, 0, sizeof(aia));
    if (diam_s6a_air_decode(m, &air)) {
        diam_answer_result(&m, 5004);   /* DIAMETER_INVALID_AVP_VALUE */
        goto send;
    }
    if (apply_fault(s, &m, "air", 0))
        return;
    struct sub *u = find_sub(s, air.imsi);
    if (!u) {
        /* TS 29.272 5.2.3.1.3: unknown IMSI */
        aia.h.exp_result_code = DIAM_ERROR_USER_UNKNOWN;
        diam_s6a_aia_answer(&m, &aia);
        goto send;
    }
    struct milenage mil;
    if (milenage_init(&mil, u->k, u->opc)) {
        diam_answer_result(&m, DIAM_UNABLE_TO_COMPLY);
        goto send;
    }
    static const uint8_t amf[2] = { 0x80, 0x00 };   /* TS 33.401 6.1.2 */
    if (air.resync) {
        /* TS 29.272 5.2.3.1.3: RAND || AUTS; TS 33.102 6.3.5 */
        uint64_t sqn_ms;
        if (sec_he_resync(&mil, &u->he, air.resync_info, air.resync_info + 16, &sqn_ms)) {
            milenage_free(&mil);
            aia.h.result_code = DIAM_AUTHENTICATION_REJECTED;
            diam_s6a_aia_answer(&m, &aia);
            goto send;
        }
    }
    unsigned n = air.n_vectors ? air.n_vectors : 1;
    if (n > DIAM_MAX_VECTORS)
        n = DIAM_MAX_VECTORS;
    for (unsigned i = 0; i < n; i++) {
        struct sec_eps_vector v;
        if (sec_he_eps_vector(&mil, &u->he, amf, air.visited_plmn, &v))
            break;
        memcpy(aia.v[i].rand, v.rand, 16);
        memcpy(aia.v[i].xres, v.xres, 8);
        aia.v[i].xres_len = 8;
        memcpy(aia.v[i].autn, v.autn, 16);
        memcpy(aia.v[i].kasme, v.kasme, 32);
        sec_eps_vector_cleanse(&v);
        aia.n_vectors++;
    }
    milenage_free(&mil);
    aia.h.result_code = aia.n_vectors ? DIAM_SUCCESS : DIAM_UNABLE_TO_COMPLY;
    diam_s6a_aia_answer(&m, &aia);
send:
    if (m)
        send_answer(s, &m);
}

static void fill_subscription(const struct sub *u, struct diam_s6a_subscription *sd)
{
    memset(sd, 0, sizeof(*sd));
    sd->present = true;
    snprintf(sd->msisdn, sizeof(sd->msisdn), "%s", u->msisdn);
    sd->network_access_mode = 2;        /* ONLY_PACKET */
    sd->ambr_ul = u->ambr_ul;
    sd->ambr_dl = u->ambr_dl;
    sd->default_context_id = 1;
    sd->all_apn_included = true;
    sd->n_apn = 1;
    sd->apn[0].context_id = 1;
    snprintf(sd->apn[0].apn, sizeof(sd->apn[0].apn), "%s", u->apn);
    sd->apn[0].pdn_type = 0;            /* IPv4 */
    sd->apn[0].qci = u->qci;
    sd->apn[0].arp = (struct diam_arp){ .priority = u->arp ? u->arp : 15,
                                        .pre_emption_capability = 1,
                                        .pre_emption_vulnerability = 1 };
    sd->apn[0].ambr_ul = u->ambr_ul;
    sd->apn[0].ambr_dl = u->ambr_dl;
}

static void on_ulr(struct sim *s, struct msg *m)
{
    struct diam_s6a_ulr ulr;
    struct diam_s6a_ula ula;
    memset(&ula, 0, sizeof(ula));
    if (diam_s6a_ulr_decode(m, &ulr)) {
        diam_answer_result(&m, 5004);
        goto send;
    }
    if (apply_fault(s, &m, "ulr", 0))
        return;
    struct sub *u = find_sub(s, ulr.imsi);
    if (!u) {
        ula.h.exp_result_code = DIAM_ERROR_USER_UNKNOWN;
        diam_s6a_ula_answer(&m, &ula);
        goto send;
    }
    snprintf(u->mme_host, sizeof(u->mme_host), "%s", ulr.h.origin_host);
    remember_sess(s, &ulr.h, ulr.imsi, DIAM_APPID_S6A);
    ula.h.result_code = DIAM_SUCCESS;
    ula.ula_flags = 1;                  /* 7.3.8: Separation Indication */
    /* 7.3.7 bit 2: Skip Subscriber Data */
    if (!(ulr.ulr_flags & 4))
        fill_subscription(u, &ula.sub);
    diam_s6a_ula_answer(&m, &ula);
send:
    if (m)
        send_answer(s, &m);
}

/* The answers held back by `delay`, once due. */
static void send_late(struct sim *s)
{
    double t = now_s(s);
    for (unsigned i = 0; i < s->n_late;) {
        if (s->late[i].due > t) {
            i++;
            continue;
        }
        diam_send_answer(s->node, &s->late[i].m);
        s->late[i] = s->late[--s->n_late];
    }
}

static void on_pur(struct sim *s, struct msg *m)
{
    struct diam_s6a_pur pur;
    struct diam_s6a_pua pua = { .h.result_code = DIAM_SUCCESS };
    if (diam_s6a_pur_decode(m, &pur)) {
        diam_answer_result(&m, 5004);
    } else {
        if (apply_fault(s, &m, "pur", 0))
            return;
        if (!find_sub(s, pur.imsi)) {
            pua.h.result_code = 0;
            pua.h.exp_result_code = DIAM_ERROR_USER_UNKNOWN;
        }
        diam_s6a_pua_answer(&m, &pua);
    }
    if (m)
        send_answer(s, &m);
}

static uint32_t sid_hash(const char *p)
{
    uint32_t h = 2166136261u;           /* FNV-1a */
    for (; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return h;
}

/* RFC 4006 5.1, RFC 6733 3: a request we answered already: the same
 * Session-Id and CC-Request-Number, or the T flag and the same End-to-End
 * Identifier from the same origin. */
static struct answered *find_answered(struct sim *s, struct msg *m, uint32_t app,
                                      const struct diam_header_info *h, uint32_t no)
{
    uint32_t e2e = 0;
    bool t = false;
    diam_msg_ids(m, &e2e, &t);
    s->cur_retransmit = t;
    uint32_t hash = sid_hash(h->session_id);
    for (unsigned i = 0; i < MAX_ANSWERED; i++) {
        struct answered *a = &s->answered[i];
        if (!a->cca || a->app != app)
            continue;
        if ((a->no == no && a->hash == hash && !strcmp(a->sid, h->session_id)) ||
            (t && a->e2e == e2e && !strcmp(a->origin, h->origin_host)))
            return a;
    }
    return NULL;
}

/* Keeps the answer about to be sent for m (cca: sizeof bytes). */
static void keep_answered(struct sim *s, struct msg *m, uint32_t app,
                          const struct diam_header_info *h, uint32_t no, const void *cca,
                          size_t size)
{
    struct answered *a = &s->answered[s->next_answered++ % MAX_ANSWERED];
    if (!a->cca && !(a->cca = malloc(sizeof(*a->cca))))
        return;
    a->app = app;
    a->no = no;
    a->e2e = 0;
    diam_msg_ids(m, &a->e2e, NULL);
    snprintf(a->sid, sizeof(a->sid), "%s", h->session_id);
    a->hash = sid_hash(a->sid);
    snprintf(a->origin, sizeof(a->origin), "%s", h->origin_host);
    memcpy(a->cca, cca, size);
}

static void on_gx_ccr(struct sim *s, struct msg *m)
{
    struct diam_gx_ccr ccr;
    struct diam_gx_cca cca;
    memset(&cca, 0, sizeof(cca));
    if (diam_gx_ccr_decode(m, &ccr)) {
        diam_answer_result(&m, 5004);
        goto send;
    }
    struct answered *dup = find_answered(s, m, DIAM_APPID_GX, &ccr.h, ccr.cc_request_number);
    if (dup) {
        /* answered like the original, nothing done again */
        s->cur_dup = true;
        apply_delay(s, "gx", ccr.cc_request_type);
        diam_gx_cca_answer(&m, &dup->cca->gx);
        goto send;
    }
    if (apply_fault(s, &m, "gx", ccr.cc_request_type))
        return;
    cca.h.result_code = DIAM_SUCCESS;
    cca.cc_request_type = ccr.cc_request_type;
    cca.cc_request_number = ccr.cc_request_number;
    cca.has_ccfh = s->has_gx_ccfh;
    cca.ccfh = s->gx_ccfh;
    if (ccr.cc_request_type == DIAM_CC_INITIAL) {
        remember_sess(s, &ccr.h, ccr.sub.imsi, DIAM_APPID_GX);
        for (unsigned i = 0; i < s->n_rules; i++) {
            struct rule *r = &s->rules[i];
            struct diam_rules *rl = &cca.rules;
            if (strcmp(r->imsi, ccr.sub.imsi) && strcmp(r->imsi, "*"))
                continue;
            if (r->kind == 0 && rl->n_install_names < DIAM_MAX_RULES)
                memcpy(rl->install_names[rl->n_install_names++], r->def.name, DIAM_STR_MAX);
            else if (r->kind == 1 && rl->n_install_bases < DIAM_MAX_RULES)
                memcpy(rl->install_bases[rl->n_install_bases++], r->def.name, DIAM_STR_MAX);
            else if (r->kind == 2 && rl->n_defs < DIAM_MAX_RULES)
                rl->defs[rl->n_defs++] = r->def;
        }
        /* TS 29.212 4.5.2: the authorised APN-AMBR and default bearer QoS */
        cca.qos.present = ccr.default_qos.apn_ambr_ul || ccr.default_qos.apn_ambr_dl;
        cca.qos.apn_ambr_ul = ccr.default_qos.apn_ambr_ul;
        cca.qos.apn_ambr_dl = ccr.default_qos.apn_ambr_dl;
        if (s->default_ambr_ul || s->default_ambr_dl) {
            cca.qos.present = true;
            cca.qos.apn_ambr_ul = s->default_ambr_ul;
            cca.qos.apn_ambr_dl = s->default_ambr_dl;
        }
        if (s->default_qci) {
            cca.default_qos.present = true;
            cca.default_qos.qci = s->default_qci;
            cca.default_qos.has_arp = s->default_arp != 0;
            cca.default_qos.arp.priority = s->default_arp;
            cca.default_qos.arp.pre_emption_capability = 1;     /* disabled */
            cca.default_qos.arp.pre_emption_vulnerability = 0;  /* enabled */
        }
        memcpy(cca.triggers, s->triggers, sizeof(cca.triggers));
        cca.n_triggers = s->n_triggers;
    } else if (ccr.cc_request_type == DIAM_CC_UPDATE && s->accept_qos) {
        bool qos = false, dflt = false;
        for (unsigned i = 0; i < ccr.n_triggers; i++) {
            qos |= ccr.triggers[i] == DIAM_ET_QOS_CHANGE;
            dflt |= ccr.triggers[i] == DIAM_ET_DEFAULT_EPS_BEARER_QOS_CHANGE;
        }
        if (qos) {
            cca.qos.present = true;
            cca.qos.apn_ambr_ul = ccr.default_qos.apn_ambr_ul;
            cca.qos.apn_ambr_dl = ccr.default_qos.apn_ambr_dl;
        }
        if (dflt) {
            cca.default_qos = ccr.default_qos;
            cca.default_qos.apn_ambr_ul = cca.default_qos.apn_ambr_dl = 0;
        }
    }
    if (ccr.cc_request_type == DIAM_CC_INITIAL) {
        if (s->n_monitors) {
            if (cca.n_triggers < DIAM_MAX_TRIGGERS)
                cca.triggers[cca.n_triggers++] = DIAM_ET_USAGE_REPORT;
            cca.n_monitors = s->n_monitors;
            memcpy(cca.monitors, s->monitors, sizeof(cca.monitors));
        }
    }
    keep_answered(s, m, DIAM_APPID_GX, &ccr.h, ccr.cc_request_number, &cca, sizeof(cca));
    diam_gx_cca_answer(&m, &cca);
send:
    if (m)
        send_answer(s, &m);
}

static struct quota *find_quota(struct sim *s, const char *imsi, uint32_t rg)
{
    for (unsigned i = 0; i < s->n_quotas; i++)
        if ((!strcmp(s->quotas[i].imsi, imsi) || !strcmp(s->quotas[i].imsi, "*")) &&
            s->quotas[i].rg == rg)
            return &s->quotas[i];
    return NULL;
}

static void on_gy_ccr(struct sim *s, struct msg *m)
{
    struct diam_gy_ccr ccr;
    struct diam_gy_cca cca;
    memset(&cca, 0, sizeof(cca));
    if (diam_gy_ccr_decode(m, &ccr)) {
        diam_answer_result(&m, 5004);
        goto send;
    }
    struct answered *dup = find_answered(s, m, DIAM_APPID_GY, &ccr.h, ccr.cc_request_number);
    if (dup) {
        /* the same grant, the used units not counted again */
        s->cur_dup = true;
        apply_delay(s, "gy", ccr.cc_request_type);
        diam_gy_cca_answer(&m, &dup->cca->gy);
        goto send;
    }
    if (apply_fault(s, &m, "gy", ccr.cc_request_type))
        return;
    if (ccr.cc_request_type == DIAM_CC_INITIAL)
        remember_sess(s, &ccr.h, ccr.sub.imsi, DIAM_APPID_GY);
    cca.h.result_code = DIAM_SUCCESS;
    cca.cc_request_type = ccr.cc_request_type;
    cca.cc_request_number = ccr.cc_request_number;
    cca.has_ccfh = s->has_ccfh;
    cca.ccfh = s->ccfh;
    for (unsigned i = 0; i < ccr.n_mscc && cca.n_mscc < DIAM_MAX_MSCC; i++) {
        const struct diam_mscc *in = &ccr.mscc[i];
        struct diam_mscc *out = &cca.mscc[cca.n_mscc];
        struct quota *q;
        if (!in->has_rating_group)
            continue;
        q = find_quota(s, ccr.sub.imsi, in->rating_group);
        if (q && in->used.present) {
            uint64_t u = in->used.has_total ? in->used.total : in->used.input + in->used.output;
            q->used += u;
            /* RFC 4006 5.1.2: the report settles the outstanding grant;
             * what it did not use goes back to the budget (the next grant
             * replaces it at the client) */
            if (q->outstanding > u)
                q->remaining += q->outstanding - u;
            q->outstanding = 0;
        }
        /* RFC 4006 5.2: no RSU (final report, CCR-T): nothing to grant */
        if (!in->requested.present || ccr.cc_request_type == DIAM_CC_TERMINATION)
            continue;
        diam_mscc_init(out);
        out->has_rating_group = true;
        out->rating_group = in->rating_group;
        cca.n_mscc++;
        if (!q) {
            /* TS 32.299 7.2.148: RATING_FAILED for an unknown rating group */
            out->result_code = DIAM_RATING_FAILED;
            continue;
        }
        if (q->remaining == 0) {
            /* RFC 4006 9: DIAMETER_CREDIT_LIMIT_REACHED, with the final
             * action the OCS chose (8.34) */
            out->result_code = DIAM_CREDIT_LIMIT_REACHED;
            out->fui = q->final;
            continue;
        }
        uint64_t g = q->grant && q->grant < q->remaining ? q->grant : q->remaining;
        q->remaining -= g;
        q->outstanding = g;
        out->result_code = DIAM_SUCCESS;
        out->granted = (struct diam_units){ .present = true, .has_total = true, .total = g };
        out->validity_time = q->validity;
        double t = now_s(s);
        if (q->validity && t < q->validity_from)
            /* validity_from=S: no Validity-Time cycles before second S of
             * the run (sessions attach without that load); a grant before
             * lasts until then, spread over 4 s so that the cycles do not
             * all start at once */
            out->validity_time = (uint32_t)(q->validity_from - t) + 1 + q->issued % 4;
        q->issued++;
        if (q->threshold) {
            out->has_volume_threshold = true;
            out->volume_threshold = q->threshold;
        }
        if (q->remaining == 0)
            out->fui = q->final;        /* RFC 4006 5.6.1: the last grant */
    }
    keep_answered(s, m, DIAM_APPID_GY, &ccr.h, ccr.cc_request_number, &cca, sizeof(cca));
    diam_gy_cca_answer(&m, &cca);
send:
    if (m)
        send_answer(s, &m);
}

static void record(struct sim *s, struct msg *m)
{
    if (!s->rec)
        return;
    fprintf(s->rec, "{\"t\":%.3f,\"msg\":", now_s(s));
    sim_json_msg(s->rec, m);
    fputs("}\n", s->rec);
    fflush(s->rec);
}

/* A request's line, written once it is handled: its JSON (taken before,
 * the handler consumes the message) with what became of it: "dup" (a
 * request answered before, sent again: answered alike, not counted
 * again), "silenced" (left unanswered: not counted), "retransmit" (the T
 * flag), "e2e" (its End-to-End Identifier: the same in every send of one
 * request, RFC 6733 3).  So the used units of the lines without "dup" or "silenced" are
 * what the OCS/PCRF counted, each byte once. */
static void record_request(struct sim *s, const char *js, size_t len)
{
    if (!s->rec || !js || !len || js[len - 1] != '}')
        return;
    fprintf(s->rec, "{\"t\":%.3f,\"msg\":%.*s", now_s(s), (int)(len - 1), js);
    if (s->cur_retransmit)
        fputs(",\"retransmit\":true", s->rec);
    fprintf(s->rec, ",\"e2e\":%u", s->cur_e2e);
    if (s->cur_dup)
        fputs(",\"dup\":true", s->rec);
    if (s->cur_silenced)
        fputs(",\"silenced\":true", s->rec);
    if (s->cur_delay_ms)
        fprintf(s->rec, ",\"delayed_ms\":%u", s->cur_delay_ms);
    fputs("}}\n", s->rec);
    fflush(s->rec);
}

static void handle_request(struct sim *s, struct diam_event *ev);

static void on_request(struct sim *s, struct diam_event *ev)
{
    char *js = NULL;
    size_t len = 0;
    FILE *mf = s->rec ? open_memstream(&js, &len) : NULL;
    if (mf) {
        sim_json_msg(mf, ev->msg);
        fclose(mf);
    }
    s->cur_dup = s->cur_silenced = s->cur_retransmit = false;
    s->cur_delay_ms = 0;
    s->cur_e2e = 0;
    diam_msg_ids(ev->msg, &s->cur_e2e, NULL);   /* the handler consumes the message */
    handle_request(s, ev);
    record_request(s, js, len);
    free(js);
    if (s->cur_answer) {
        if (s->cur_answer_len)
            fprintf(s->rec, "{\"t\":%.3f,\"msg\":%s,\"sent\":true}\n", now_s(s), s->cur_answer);
        fflush(s->rec);
        free(s->cur_answer);
        s->cur_answer = NULL;
        s->cur_answer_len = 0;
    }
}

static void handle_request(struct sim *s, struct diam_event *ev)
{
    struct msg *m = ev->msg;
    ev->msg = NULL;
    switch (ev->app_id) {
    case DIAM_APPID_S6A:
        if (ev->cmd_code == 318)
            return on_air(s, m);
        if (ev->cmd_code == 316)
            return on_ulr(s, m);
        if (ev->cmd_code == 321)
            return on_pur(s, m);
        break;
    case DIAM_APPID_GX:
        if (ev->cmd_code == 272)
            return on_gx_ccr(s, m);
        break;
    case DIAM_APPID_GY:
        if (ev->cmd_code == 272)
            return on_gy_ccr(s, m);
        break;
    }
    /* RFC 6733 7.1.3: DIAMETER_COMMAND_UNSUPPORTED */
    diam_answer_result(&m, 3001);
    if (m)
        send_answer(s, &m);
}

/* -------------------------------------------------- timed requests ---- */

/* For "after=S": when the session the line names began (0 = not yet). */
static double session_start(struct sim *s, const struct sim_line *l)
{
    int ai = 1;
    while (ai < l->n && strchr(l->tok[ai], '='))
        ai++;
    if (!strcmp(l->tok[0], "rar")) {
        if (ai + 1 >= l->n)
            return 0;
        uint32_t app = !strcmp(l->tok[ai], "gx") ? DIAM_APPID_GX : DIAM_APPID_GY;
        struct sess *x = find_sess_imsi(s, l->tok[ai + 1], app);
        return x ? x->t : 0;
    }
    if (ai >= l->n)
        return 0;
    struct sess *x = find_sess_imsi(s, l->tok[ai], DIAM_APPID_S6A);
    return x ? x->t : 0;
}

static void fire(struct sim *s, struct timed *t)
{
    struct sim_line *l = &t->line;
    const char *v;
    struct msg *m = NULL;
    int r = -EINVAL;
    const char *what = l->tok[0];
    int ai = 1;
    while (ai < l->n && strchr(l->tok[ai], '='))
        ai++;                           /* skip at=... */
    if (!strcmp(what, "rar")) {
        if (ai + 1 >= l->n)
            goto out;
        bool gx = !strcmp(l->tok[ai], "gx");
        struct sess *x = find_sess_imsi(s, l->tok[ai + 1], gx ? DIAM_APPID_GX : DIAM_APPID_GY);
        if (!x) {
            r = -ENOENT;
            goto out;
        }
        if (gx) {
            struct diam_gx_rar rar;
            memset(&rar, 0, sizeof(rar));
            snprintf(rar.h.session_id, sizeof(rar.h.session_id), "%s", x->sid);
            snprintf(rar.h.dest_host, sizeof(rar.h.dest_host), "%s", x->origin);
            snprintf(rar.h.dest_realm, sizeof(rar.h.dest_realm), "%s", s->realm);
            for (int i = 0; i < DIAM_MAX_RULES && (v = sim_kv(l, 1, "install", i)); i++) {
                /* a rule defined with `rule ... def=N` goes as its full
                 * Charging-Rule-Definition, any other name as a name */
                const struct rule *d = NULL;
                for (unsigned k = 0; k < s->n_rules && !d; k++)
                    if (s->rules[k].kind == 2 && !strcmp(s->rules[k].def.name, v))
                        d = &s->rules[k];
                if (d)
                    rar.rules.defs[rar.rules.n_defs++] = d->def;
                else
                    snprintf(rar.rules.install_names[rar.rules.n_install_names++],
                             DIAM_STR_MAX, "%s", v);
            }
            for (int i = 0; i < DIAM_MAX_RULES && (v = sim_kv(l, 1, "remove", i)); i++)
                snprintf(rar.rules.remove_names[rar.rules.n_remove_names++], DIAM_STR_MAX,
                         "%s", v);
            /* release=N: Session-Release-Cause (TS 29.212 5.3.33), the
             * PCRF-initiated IP-CAN session termination (4.5.6) */
            uint32_t cause;
            if ((v = sim_kv(l, 1, "release", 0)) && sim_u32(v, &cause))
                rar.session_release_cause = cause + 1;
            /* default_qci=N [default_arp=N]: Default-EPS-Bearer-QoS, ambr=UL/DL:
             * the APN-AMBR in QoS-Information (TS 29.212 5.6.4, 4.5.5.0a, 4.5.5.7) */
            if ((v = sim_kv(l, 1, "default_qci", 0)) && sim_u32(v, &rar.default_qos.qci)) {
                rar.default_qos.present = true;
                uint32_t arp;
                if ((v = sim_kv(l, 1, "default_arp", 0)) && sim_u32(v, &arp)) {
                    rar.default_qos.has_arp = true;
                    rar.default_qos.arp.priority = arp;
                    rar.default_qos.arp.pre_emption_capability = 1;     /* disabled */
                    rar.default_qos.arp.pre_emption_vulnerability = 0;  /* enabled */
                }
            }
            if ((v = sim_kv(l, 1, "ambr", 0)) &&
                sscanf(v, "%u/%u", &rar.qos.apn_ambr_ul, &rar.qos.apn_ambr_dl) == 2)
                rar.qos.present = true;
            /* trigger=N: Event-Triggers armed anew (TS 29.212 5.3.7) */
            for (int i = 0; i < DIAM_MAX_TRIGGERS && (v = sim_kv(l, 1, "trigger", i)); i++)
                if (sim_u32(v, &rar.triggers[rar.n_triggers]))
                    rar.n_triggers++;
            r = diam_gx_rar_encode(&rar, &m);
        } else {
            struct diam_gy_rar rar;
            memset(&rar, 0, sizeof(rar));
            snprintf(rar.h.session_id, sizeof(rar.h.session_id), "%s", x->sid);
            snprintf(rar.h.dest_host, sizeof(rar.h.dest_host), "%s", x->origin);
            snprintf(rar.h.dest_realm, sizeof(rar.h.dest_realm), "%s", s->realm);
            if ((v = sim_kv(l, 1, "rg", 0))) {
                rar.has_rating_group = sim_u32(v, &rar.rating_group);
            }
            r = diam_gy_rar_encode(&rar, &m);
        }
    } else {
        if (ai >= l->n)
            goto out;
        struct sub *u = find_sub(s, l->tok[ai]);
        if (!u || !u->mme_host[0]) {
            r = -ENOENT;
            goto out;
        }
        struct diam_header_info h;
        memset(&h, 0, sizeof(h));
        diam_session_id_new(diam_node_identity(s->node), h.session_id, sizeof(h.session_id));
        snprintf(h.dest_host, sizeof(h.dest_host), "%s", u->mme_host);
        snprintf(h.dest_realm, sizeof(h.dest_realm), "%s", s->realm);
        if (!strcmp(what, "clr")) {
            struct diam_s6a_clr clr = { .h = h, .cancellation_type = 2 };
            snprintf(clr.imsi, sizeof(clr.imsi), "%s", u->imsi);
            if ((v = sim_kv(l, 1, "type", 0)))
                sim_u32(v, &clr.cancellation_type);
            r = diam_s6a_clr_encode(&clr, &m);
        } else {
            struct diam_s6a_idr idr = { .h = h };
            snprintf(idr.imsi, sizeof(idr.imsi), "%s", u->imsi);
            if ((v = sim_kv(l, 1, "ambr", 0)))
                sscanf(v, "%u/%u", &u->ambr_ul, &u->ambr_dl);
            /* qci=N: the APN configuration's subscribed QCI (7.3.37) */
            if ((v = sim_kv(l, 1, "qci", 0)))
                sim_u32(v, &u->qci);
            /* arp=N: its ARP priority level (7.3.40) */
            if ((v = sim_kv(l, 1, "arp", 0)))
                sim_u32(v, &u->arp);
            fill_subscription(u, &idr.sub);
            /* barred=1: Subscriber-Status OPERATOR_DETERMINED_BARRING
             * (TS 29.272 7.3.29) */
            uint32_t barred = 0;
            if ((v = sim_kv(l, 1, "barred", 0)) && sim_u32(v, &barred) && barred)
                idr.sub.subscriber_status = 1;
            r = diam_s6a_idr_encode(&idr, &m);
        }
    }
    if (!r)
        r = diam_send(s->node, &m, 5000, 0);
out:
    if (r)
        fprintf(stderr, "diamsim: %s at %.0f s not sent: %s\n", what, t->at, strerror(-r));
    t->done = true;
}

static void usage(FILE *f)
{
    fputs("usage: diamsim [options]\n"
          "An HSS (S6a), PCRF (Gx) and OCS (Gy) Diameter peer for tests.\n\n"
          "  --identity ID      Origin-Host (default diamsim.localdomain)\n"
          "  --realm REALM      Origin-Realm (default localdomain)\n"
          "  --listen ADDR      address to listen on (default 127.0.0.1)\n"
          "  --port N           TCP port (default 3868)\n"
          "  --tls-port N       also accept TLS (RFC 6733 13) on N; needs\n"
          "  --tls-cert F --tls-key F --tls-ca F   PEM files\n"
          "  --script FILE      script lines from FILE\n"
          "  -c LINE            one script line (repeatable)\n"
          "  --record FILE      every message received, one JSON object a line\n"
          "  --record-answers   also the answers sent to requests (\"sent\":true)\n"
          "  --log-level N      freeDiameter's (1 debug .. 6 fatal, default 5)\n\n"
          "Script lines (see docs/charging.md):\n"
          "  subscriber IMSI k=HEX opc=HEX [sqn=N] [msisdn=D] [apn=A] [ambr=UL/DL] [qci=N]\n"
          "  rule IMSI|* name=N | base=N | def=N [rg=N] [prec=N] [flow=\"IPFilterRule\"]...\n"
          "             [status=N] [mk=KEY] [qci=N] [mbr=UL/DL] [gbr=UL/DL] [arp=1..15] [online=0|1]\n"
          "  monitor key=K bytes=N [level=session|rule]   (up to 4)\n"
          "  trigger N...       Event-Triggers (TS 29.212 5.3.7) armed in each CCA-I\n"
          "  quota IMSI|* rg=N total=BYTES [grant=BYTES] [threshold=BYTES] [validity=S]\n"
          "             [validity_from=S]   (grants before second S last until then)\n"
          "             [final=terminate|redirect|restrict] [redirect=URL] [filter=ID]\n"
          "             [restrict=\"IPFilterRule\"]\n"
          "  ccfh [gx|gy] terminate|continue|retry   (Gy when not named)\n"
          "  error air|ulr|pur|gx|gy CODE [exp] [count=N] [type=1|2|3] [skip=N]\n"
          "  silence air|ulr|pur|gx|gy [count=N] [type=1|2|3] [skip=N]\n"
          "  delay gx|gy MS [count=N] [type=1|2|3] [skip=N]   handled, answered MS ms later\n"
          "  rar at=S gx IMSI [install=N]... [remove=N]... [release=CAUSE]\n"
          "             [trigger=N]...\n"
          "  rar at=S gy IMSI [rg=N]\n"
          "  clr at=S IMSI [type=N]      idr at=S IMSI [ambr=UL/DL] [qci=N] [arp=N] [barred=1]\n"
          "  default_qos qci=N [arp=N] [ambr=UL/DL]    Default-EPS-Bearer-QoS in each CCA-I\n"
          "  accept_qos                   a CCA-U authorises the QoS a CCR-U reports\n"
          "  rar ... [default_qci=N [default_arp=N]] [ambr=UL/DL]   QoS in a Gx RAR\n"
          "  (after=S instead of at=S: S seconds after the IMSI's session began)\n", f);
}

int main(int argc, char **argv)
{
    static struct sim s;
    struct diam_cfg cfg;
    const char *rec_path = NULL;
    static const struct option opts[] = {
        { "identity", 1, 0, 'i' }, { "realm", 1, 0, 'r' }, { "listen", 1, 0, 'l' },
        { "port", 1, 0, 'p' }, { "tls-port", 1, 0, 'T' }, { "tls-cert", 1, 0, 'C' },
        { "tls-key", 1, 0, 'K' }, { "tls-ca", 1, 0, 'A' }, { "script", 1, 0, 's' },
        { "record", 1, 0, 'R' }, { "record-answers", 0, 0, 'a' }, { "log-level", 1, 0, 'L' }, { "help", 0, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    int o;
    uint32_t v;

    memset(&cfg, 0, sizeof(cfg));
    snprintf(cfg.identity, sizeof(cfg.identity), "diamsim.localdomain");
    snprintf(cfg.realm, sizeof(cfg.realm), "localdomain");
    cfg.apps = DIAM_APP_S6A | DIAM_APP_GX | DIAM_APP_GY;
    cfg.accept_any = true;
    clock_gettime(CLOCK_MONOTONIC, &s.t0);
    while ((o = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (o) {
        case 'i': snprintf(cfg.identity, sizeof(cfg.identity), "%s", optarg); break;
        case 'r': snprintf(cfg.realm, sizeof(cfg.realm), "%s", optarg); break;
        case 'l': snprintf(cfg.listen_addr, sizeof(cfg.listen_addr), "%s", optarg); break;
        case 'p':
        case 'T':
            if (!sim_u32(optarg, &v) || v == 0 || v > 65535) {
                fprintf(stderr, "diamsim: bad port %s\n", optarg);
                return 2;
            }
            if (o == 'p')
                cfg.port = (uint16_t)v;
            else
                cfg.tls_port = (uint16_t)v;
            break;
        case 'C': snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "%s", optarg); break;
        case 'K': snprintf(cfg.tls_key, sizeof(cfg.tls_key), "%s", optarg); break;
        case 'A': snprintf(cfg.tls_ca, sizeof(cfg.tls_ca), "%s", optarg); break;
        case 's':
            if (load_script(&s, optarg))
                return 2;
            break;
        case 'c':
            if (script_line(&s, optarg)) {
                fprintf(stderr, "diamsim: cannot parse: %s\n", optarg);
                return 2;
            }
            break;
        case 'R': rec_path = optarg; break;
        case 'a': s.rec_answers = true; break;
        case 'L':
            if (!sim_u32(optarg, &v) || v > 6)
                return 2;
            cfg.log_level = (int)v;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    snprintf(s.realm, sizeof(s.realm), "%s", cfg.realm);
    if (rec_path && !(s.rec = fopen(rec_path, "a"))) {
        fprintf(stderr, "diamsim: %s: %s\n", rec_path, strerror(errno));
        return 1;
    }
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int r = diam_node_start(&cfg, &s.node);
    if (r) {
        fprintf(stderr, "diamsim: cannot start the Diameter node: %s\n", strerror(-r));
        return 1;
    }
    printf("diamsim: ready %s port %u\n", cfg.identity, cfg.port ? cfg.port : 3868);
    fflush(stdout);
    struct pollfd pfd = { .fd = diam_node_fd(s.node), .events = POLLIN };
    while (!stop) {
        poll(&pfd, 1, 50);
        struct diam_event ev;
        while (diam_node_next(s.node, &ev)) {
            if (ev.type == DIAM_EV_REQUEST)
                on_request(&s, &ev);
            else if (ev.type == DIAM_EV_ANSWER)
                record(&s, ev.msg);
            diam_event_done(&ev);
        }
        send_late(&s);
        double t = now_s(&s);
        for (unsigned i = 0; i < s.n_timed; i++) {
            struct timed *x = &s.timed[i];
            double base = 0;
            if (x->done)
                continue;
            if (x->after && !(base = session_start(&s, &x->line)))
                continue;               /* its session has not begun yet */
            if (t >= base + x->at)
                fire(&s, x);
        }
    }
    for (unsigned i = 0; i < s.n_late; i++)
        diam_msg_free(s.late[i].m);
    diam_node_stop(s.node);
    if (s.rec)
        fclose(s.rec);
    free(s.subs);
    for (unsigned i = 0; i < MAX_ANSWERED; i++)
        free(s.answered[i].cca);
    return 0;
}
