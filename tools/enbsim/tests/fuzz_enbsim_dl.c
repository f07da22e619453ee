/* libFuzzer target: what enbsim reads from the network.  The first octet
 * picks the entry:
 *   even: the rest is an S1AP PDU from the MME -> enb_parse_dl(), and any
 *         NAS-PDU it carries (DL NAS, E-RAB items, release) goes on to
 *         the UE as below;
 *   odd:  the rest is a downlink NAS PDU -> ue_nas_handle_dl().
 * The UE has an EEA0/EIA0 security context (no MAC to pass, so protected
 * messages reach the handlers) and a pending KASME (so a Security Mode
 * Command gets as far as its checks); it is set up afresh for each input.
 * Nothing a peer sends may crash it, read out of bounds or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/enbsim/enb_s1ap.h"
#include "tools/enbsim/enbsim.h"

static uint8_t arena[65536];

static void ue_setup(struct enbsim_ue *ue)
{
    struct usim_sub sub = {.amf = {0x80, 0}};
    static const uint8_t zero[16];
    memset(ue, 0, sizeof(*ue));
    strcpy(sub.imsi, "001010000000001");
    if (usim_init(&ue->usim, &sub))
        abort();
    if (nas_sec_ctx_init(&ue->sec, NAS_SEC_ROLE_UE, 1, 0, 0, zero, zero) != NAS_SEC_OK)
        abort();
    ue->sec_valid = true;
    ue->ksi = 1;
    ue->pending_auth = true;
    ue->pending_ksi = 2;
    ue->s1_connected = true;
    ue->bearer[0].active = true;
    ue->bearer[0].ebi = 5;
}

static void ue_nas(struct enbsim_ue *ue, const uint8_t *p, size_t n)
{
    static const struct ue_nas_cfg cfg = {.sn_id = {0x00, 0xf1, 0x10}, .apn = "internet",
                                          .imeisv = "3534900698733201"};
    struct ue_nas_out o;
    ue_nas_handle_dl(ue, &cfg, p, n, &o);
    if (o.n > UE_NAS_OUT_MAX)
        abort();
    for (unsigned i = 0; i < o.n; i++)
        if (!o.msg[i].len || o.msg[i].len > sizeof(o.msg[i].buf))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct enbsim_ue ue;
    struct enb_dl dl;
    if (size < 1 || size > 8192)
        return 0;
    ue_setup(&ue);
    if (data[0] & 1) {
        ue_nas(&ue, data + 1, size - 1);
    } else if (enb_parse_dl(data + 1, size - 1, &dl, arena, sizeof(arena)) == 0) {
        if (dl.nas)
            ue_nas(&ue, dl.nas, dl.nas_len);
        for (unsigned i = 0; i < dl.n_erab && i < ENB_ERAB_MAX; i++)
            if (dl.erab[i].nas)
                ue_nas(&ue, dl.erab[i].nas, dl.erab[i].nas_len);
    }
    ue_nas_reset(&ue, false);
    usim_free(&ue.usim);
    return 0;
}
