/* Helpers diamsim and diamc share: a tokenizer for script lines
 * (whitespace-separated words, "double quotes" for words with spaces,
 * key=value), and JSON output of decoded messages. */
#ifndef XEPC_DIAMSIM_UTIL_H
#define XEPC_DIAMSIM_UTIL_H

#include <stdio.h>
#include "diameter/diam.h"

#define SIM_MAX_TOK 32

struct sim_line {
    int n;
    char *tok[SIM_MAX_TOK];
    char buf[1024];
};

/* Split `s`; 0, or -EINVAL (unterminated quote, too many words/long). */
int sim_split(const char *s, struct sim_line *l);
/* The value of key=... in tokens [from, n), or NULL.  For repeated keys,
 * `nth` picks the nth (0-based). */
const char *sim_kv(const struct sim_line *l, int from, const char *key, int nth);
/* Parse unsigned numbers; false on junk. */
bool sim_u64(const char *s, uint64_t *v);
bool sim_u32(const char *s, uint32_t *v);

/* JSON string output (escapes). */
void sim_json_str(FILE *f, const char *s);
/* One decoded message as a JSON object (no newline).  app/cmd/request from
 * the header; the body from the typed decoders. */
void sim_json_msg(FILE *f, struct msg *m);

#endif
