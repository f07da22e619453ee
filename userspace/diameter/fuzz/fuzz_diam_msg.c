/* A peer's bytes through freeDiameter's parser (fd_msg_parse_buffer and
 * fd_msg_parse_dict, as on reception) and then through every typed
 * decoder of userspace/diameter, whatever the header says: the decoders
 * must return an error or a bounded struct, never read or write out of
 * bounds.  Seeds: messages the codecs produce (the .corpus). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "diameter/diam.h"

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    /* freeDiameter 1.2.1 keeps GnuTLS's CA list of its configuration */
    return "leak:gnutls_x509_crt_list_import2\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    struct msg *m = NULL;
    if (!init) {
        if (diam_dict_only_init())
            abort();
        init = 1;
    }
    if (diam_msg_from_bytes(data, size, &m))
        return 0;
    union {
        struct diam_s6a_air air; struct diam_s6a_aia aia; struct diam_s6a_ulr ulr;
        struct diam_s6a_ula ula; struct diam_s6a_pur pur; struct diam_s6a_pua pua;
        struct diam_s6a_clr clr; struct diam_s6a_idr idr;
        struct diam_s6a_simple_answer sa; struct diam_gx_ccr gccr;
        struct diam_gx_cca gcca; struct diam_gx_rar grar; struct diam_raa raa;
        struct diam_gy_ccr yccr; struct diam_gy_cca ycca; struct diam_gy_rar yrar;
    } *u = malloc(sizeof(*u));
    if (u) {
        diam_s6a_air_decode(m, &u->air);
        diam_s6a_aia_decode(m, &u->aia);
        diam_s6a_ulr_decode(m, &u->ulr);
        diam_s6a_ula_decode(m, &u->ula);
        diam_s6a_pur_decode(m, &u->pur);
        diam_s6a_pua_decode(m, &u->pua);
        diam_s6a_clr_decode(m, &u->clr);
        diam_s6a_idr_decode(m, &u->idr);
        diam_s6a_simple_answer_decode(m, &u->sa);
        diam_gx_ccr_decode(m, &u->gccr);
        diam_gx_cca_decode(m, &u->gcca);
        diam_gx_rar_decode(m, &u->grar);
        diam_raa_decode(m, &u->raa);
        diam_gy_ccr_decode(m, &u->yccr);
        diam_gy_cca_decode(m, &u->ycca);
        diam_gy_rar_decode(m, &u->yrar);
        free(u);
    }
    char sid[256];
    diam_msg_session_id(m, sid, sizeof(sid));
    diam_msg_free(m);
    return 0;
}
