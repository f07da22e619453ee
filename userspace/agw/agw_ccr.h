/* Credit-control requests that carry usage, crash-safe (ccr_journal.c,
 * docs/charging.md "Crash-safe usage reports").
 *
 * Every Gx and Gy request of xepc-agwd goes out through here, after the
 * commit of the loop iteration that made it (agw_commit calls ccr_flush
 * once the transaction is durable).  A request that reports usage (a Gy
 * CCR-U/CCR-T, a Gx CCR-U/CCR-T with Usage-Monitoring-Information),
 * every Gx CCR-T (its session's row goes with it) and every Gx CCR-U (its
 * events are the session's stored reference from then on), is first journalled (table ccr_journal: its bytes, Session-Id,
 * CC-Request-Number, the usage and the base its answer settles) in that
 * same transaction, so that a SIGKILL at any point leaves either no
 * request and no row, or a row:
 *
 *   killed before the commit        nothing was sent, the books are as
 *                                   before: the next report carries it
 *   after the commit, before or     the row: at the next start the
 *   after the send, or after the    request is sent again as the SAME
 *   answer but before the commit    request (its bytes, same Session-Id,
 *   that records it                 CC-Request-Number and End-to-End id,
 *                                   the T flag: RFC 6733 3, RFC 4006 5.1)
 *                                   and the server counts it once
 *
 * The answer's effect (the base moved) and the row's deletion are written
 * in the transaction of the iteration that receives the answer, so they
 * are durable together.  Answers and timeouts of Gx/Gy requests pass
 * through ccr_on_event() first, which maps its cookies back to the
 * application's and decides the row's fate: an answer that is not a 3xxx
 * settles it (deleted); a Gy CCR-U or any CCR-T that times out or gets
 * a 3xxx goes once to the alternate server its request names
 * (ccr_row.failover, RETRY_AND_TERMINATE), else is kept and sent again as
 * the same request until it is answered
 * (the server may have counted it: a duplicate is answered alike and not
 * counted again; a CCR-T's session is gone, nothing else would report
 * that usage); a Gx CCR-U is abandoned (deleted: its usage stays
 * unreported in the books and goes in the next report).  A CCR-T may be
 * journalled and held (ccr_hold) until the session's request in flight
 * is answered: a restart sends it all the same. */
#ifndef XEPC_AGW_CCR_H
#define XEPC_AGW_CCR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct agw_ctx;
struct msg;
struct diam_event;

/* A row of ccr_journal. */
struct ccr_row {
    const char *sid;
    uint32_t no;                    /* CC-Request-Number */
    uint32_t app;                   /* DIAM_APPID_GY / DIAM_APPID_GX */
    uint32_t type;                  /* CC-Request-Type 2 / 3 */
    uint32_t ul_teid;
    const char *imsi;
    uint32_t rg;                    /* Gy: rating group */
    uint64_t bytes;                 /* Gy: the USU */
    uint64_t base;                  /* Gy: charged() the answer moves `reported` to */
    const void *settle;             /* Gx: what the answer moves (gx_monitor.c) */
    size_t settle_len;
    uint64_t cookie;                /* the application's cookie for its events */
    const void *msg;                /* the request's bytes (NULL: old row) */
    size_t msg_len;
    /* RETRY_AND_TERMINATE (RFC 4006 5.7): the alternate server this
     * request goes to, once, when it gets no usable answer (a Tx timeout,
     * a 3xxx, its server down): its row rewritten (T flag,
     * Destination-Host) and sent there at once, the answer settling it as
     * the first's would.  NULL: none (kept and sent again to the same
     * server).  Kept in the row (ccr_journal.failover, 0019): a request
     * sent again at the next start fails over as it would have in the
     * run that journalled it; cleared once it went to the alternate (or
     * was re-addressed there, ccr_retarget). */
    const char *failover;
};

int ccr_open(struct agw_ctx *ctx);
void ccr_close(struct agw_ctx *ctx);
/* Journals row with the bytes of *m in the loop iteration's transaction
 * and queues *m (consumed), sent once that transaction is committed.
 * row->cookie is the application's cookie.  0 or a negative errno (then
 * nothing is journalled nor sent). */
int ccr_send(struct agw_ctx *ctx, struct msg **m, const struct ccr_row *row,
             unsigned timeout_ms);
/* ccr_send in two steps: journals row with the bytes of m (not consumed,
 * not sent: the row is this run's, so only the next run sends it by
 * itself), and later queues m, the request of that row. */
int ccr_hold(struct agw_ctx *ctx, struct msg *m, const struct ccr_row *row);
int ccr_send_held(struct agw_ctx *ctx, struct msg **m, const struct ccr_row *row,
                  unsigned timeout_ms);
/* A held row: deleted (never to be sent), or left to ccr_resend. */
void ccr_cancel(struct agw_ctx *ctx, const char *sid, uint32_t no);
void ccr_unhold(struct agw_ctx *ctx, const char *sid, uint32_t no);
/* A request that reports nothing (CCR-I): queued, sent after the commit. */
int ccr_send_plain(struct agw_ctx *ctx, struct msg **m, unsigned timeout_ms, uint64_t cookie);
/* The journalled request of a session restored at start, if any (the one
 * with the highest number): true and *row filled (pointers valid until the
 * next call of a ccr_* function). */
bool ccr_pending(struct agw_ctx *ctx, const char *sid, struct ccr_row *row);
/* An answer or timeout of a Gx/Gy request: its cookie mapped back to the
 * application's, the journal row settled, abandoned or kept (above).
 * False when the event is not one of ours (then leave it alone). */
bool ccr_on_event(struct agw_ctx *ctx, struct diam_event *ev);
/* While the application handles that event: true when its request is
 * kept to be sent again (no usable answer), so the answer is still to come. */
bool ccr_kept(struct agw_ctx *ctx);
/* While the application handles that event: true when its request went
 * to the alternate server (ccr_row.failover), whose answer is to come. */
bool ccr_failed_over(struct agw_ctx *ctx);
/* RETRY_AND_TERMINATE for a request that is not journalled (a CCR-I, a Gx
 * CCR-U): the request of bytes req sent again as the same request (T
 * flag) to peer (Destination-Host), as ccr_send_plain. */
int ccr_send_to(struct agw_ctx *ctx, const uint8_t *req, size_t len, const char *peer,
                unsigned timeout_ms, uint64_t cookie);
/* The journalled (held) request m of (sid, no) named for peer
 * (Destination-Host), its row's bytes with it: a session that went to the
 * alternate server while the request waited. */
int ccr_retarget(struct agw_ctx *ctx, struct msg *m, const char *sid, uint32_t no,
                 const char *peer);
/* After the application handled the event (the fault point "applied"). */
void ccr_after_event(struct agw_ctx *ctx, const struct diam_event *ev);
/* agw_commit: the transaction is durable, send what it journalled; or it
 * failed: drop them (each becomes a timeout for its application). */
void ccr_flush(struct agw_ctx *ctx);
void ccr_drop(struct agw_ctx *ctx);
/* An answer to a request of the PCRF (a Gx RAA) queued (*m consumed) and
 * sent once the loop iteration that applied the request is committed, as
 * the requests are: the peer is told only what is durable.  0 or a
 * negative errno (then it is not sent). */
int ccr_answer(struct agw_ctx *ctx, struct msg **m);
/* Stored requests sent again (rows of an earlier run, CCR-Ts kept after a
 * timeout), when a peer is open: the timer of gx_path.c. */
void ccr_resend(struct agw_ctx *ctx);

/* Test hook (docs/agw.md "Fault injection"): with XEPC_AGW_FAULT=POINT[:N]
 * in its environment the daemon SIGKILLs itself the N-th time (default 1)
 * it passes POINT: "<app>-<type>-<step>", app gy|gx, type u|t (CCR-U,
 * CCR-T) or r (a Gx RAA: step committed only), step committed (journalled and committed, not yet handed to
 * freeDiameter), received (its answer arrived, not yet handled), applied
 * (the answer handled, not yet committed).  It can do nothing but what a
 * kill -9 does. */
#define CCR_FAULT_RAA 0x100         /* type of the point gx-r-committed: a Gx
                                     * RAA committed, not yet handed on */
void ccr_fault(struct agw_ctx *ctx, uint32_t app, uint32_t type, const char *step);
/* The same for a point of another multi-step change: "policy-switched"
 * (gx_policy.c: a policy rebuild's map update done, the loop iteration
 * not yet committed). */
void ccr_fault_at(struct agw_ctx *ctx, const char *name);

#endif
