/* The dictionary: the one place where the 3GPP applications, commands and
 * AVPs the codecs use are defined.  Debian's freeDiameter ships dict_nasreq,
 * dict_dcca (RFC 4006: application 4, CCR/CCA and its AVPs) and
 * dict_dcca_3gpp (most 3GPP AVPs, no S6a/Gx application or S6a commands);
 * diam_node.c loads those first, then diam_dict_setup() adds what they lack
 * from diam_avp_tab (diam_int.h) and checks that what they have agrees with
 * it (same code, vendor and basic type), so a wrong entry on either side is
 * an error at start rather than a malformed AVP on the wire. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "diameter/diam_int.h"

const struct da_def diam_avp_tab[DA__COUNT] = {
#define X(id, nm, c, v, t) [DA_##id] = { .name = nm, .code = c, .vendor = v, .type = t },
    DIAM_AVPS(X)
#undef X
};
struct dict_object *diam_avp_obj[DA__COUNT];

static struct dict_object *vendor3gpp;
static struct dict_object *app_s6a, *app_gx, *app_gy;

static enum dict_avp_basetype basetype(enum da_type t)
{
    switch (t) {
    case DT_U32: return AVP_TYPE_UNSIGNED32;
    case DT_U64: return AVP_TYPE_UNSIGNED64;
    case DT_I32: return AVP_TYPE_INTEGER32;
    case DT_GRP: return AVP_TYPE_GROUPED;
    case DT_OS:
    case DT_UTF8: return AVP_TYPE_OCTETSTRING;
    }
    return AVP_TYPE_OCTETSTRING;
}

static int ensure_vendor(void)
{
    struct dictionary *d = fd_g_config->cnf_dict;
    vendor_id_t id = DIAM_VENDOR_3GPP;
    if (fd_dict_search(d, DICT_VENDOR, VENDOR_BY_ID, &id, &vendor3gpp, ENOENT) == 0)
        return 0;
    struct dict_vendor_data vd = { .vendor_id = id, .vendor_name = (char *)"3GPP" };
    return -fd_dict_new(d, DICT_VENDOR, &vd, NULL, &vendor3gpp);
}

static int ensure_app(uint32_t id, const char *name, struct dict_object *vendor,
                      struct dict_object **out)
{
    struct dictionary *d = fd_g_config->cnf_dict;
    application_id_t aid = id;
    if (fd_dict_search(d, DICT_APPLICATION, APPLICATION_BY_ID, &aid, out, ENOENT) == 0)
        return 0;
    struct dict_application_data ad = { .application_id = aid,
                                        .application_name = (char *)name };
    return -fd_dict_new(d, DICT_APPLICATION, &ad, vendor, out);
}

/* Request and answer of a command: R bit fixed, P set (TS 29.272 7.2.2:
 * the S6a commands are proxiable); the answer's E bit is free. */
static int ensure_cmd(uint32_t code, const char *req_name, const char *ans_name,
                      struct dict_object *app)
{
    struct dictionary *d = fd_g_config->cnf_dict;
    command_code_t c = code;
    struct dict_object *o;
    if (fd_dict_search(d, DICT_COMMAND, CMD_BY_CODE_R, &c, &o, ENOENT) != 0) {
        struct dict_cmd_data cd = { code, (char *)req_name,
            CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE | CMD_FLAG_ERROR,
            CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE };
        int r = fd_dict_new(d, DICT_COMMAND, &cd, app, &o);
        if (r)
            return -r;
    }
    if (fd_dict_search(d, DICT_COMMAND, CMD_BY_CODE_A, &c, &o, ENOENT) != 0) {
        struct dict_cmd_data cd = { code, (char *)ans_name,
            CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE, CMD_FLAG_PROXIABLE };
        int r = fd_dict_new(d, DICT_COMMAND, &cd, app, &o);
        if (r)
            return -r;
    }
    return 0;
}

static int ensure_avp(enum da_id id)
{
    struct dictionary *d = fd_g_config->cnf_dict;
    const struct da_def *def = &diam_avp_tab[id];
    struct dict_avp_request rq = { .avp_vendor = def->vendor, .avp_code = def->code };
    struct dict_object *o = NULL;

    if (fd_dict_search(d, DICT_AVP, AVP_BY_CODE_AND_VENDOR, &rq, &o, ENOENT) == 0) {
        struct dict_avp_data ad;
        if (fd_dict_getval(o, &ad) != 0)
            return -EINVAL;
        if (ad.avp_basetype != basetype(def->type)) {
            fprintf(stderr, "diam: dictionary has %s (%u/%u) with basic type %d, "
                    "expected %d\n", def->name, def->code, def->vendor,
                    ad.avp_basetype, basetype(def->type));
            return -EPROTO;
        }
        diam_avp_obj[id] = o;
        return 0;
    }
    /* Not defined by the loaded dictionaries: define it.  M set as the
     * specs' AVP tables require for these; only V is enforced on receipt so
     * that a peer's differing M bit is not a parse error. */
    struct dict_object *type = NULL;
    if (def->type == DT_UTF8)
        fd_dict_search(d, DICT_TYPE, TYPE_BY_NAME, "UTF8String", &type, ENOENT);
    struct dict_avp_data ad = {
        .avp_code = def->code,
        .avp_vendor = def->vendor,
        .avp_name = (char *)def->name,
        .avp_flag_mask = AVP_FLAG_VENDOR,
        .avp_flag_val = AVP_FLAG_MANDATORY | (def->vendor ? AVP_FLAG_VENDOR : 0),
        .avp_basetype = basetype(def->type),
    };
    int r = fd_dict_new(d, DICT_AVP, &ad, type, &o);
    if (r) {
        fprintf(stderr, "diam: cannot define AVP %s (%u/%u): %s\n", def->name,
                def->code, def->vendor, strerror(r));
        return -r;
    }
    diam_avp_obj[id] = o;
    return 0;
}

/* dict_dcca gives CCR/CCA the ABNF of RFC 4006 3.1/3.2 (e.g. a required
 * Service-Context-Id), and freeDiameter enforces a command's rules on
 * every message it receives, answering 5005 itself or dropping the answer.
 * Gx (TS 29.212 5.6.2) shares command 272 with a different ABNF, so a
 * single rule set cannot fit both: the rules of 272 are removed and the
 * typed decoders check what each application requires. */
static int drop_rules(uint32_t code, bool request)
{
    struct dict_object *cmd = diam_dict_cmd(code, request);
    struct fd_list *sentinel = NULL;
    struct dict_object *found[128];
    unsigned n = 0;
    if (!cmd)
        return -ENOENT;
    if (fd_dict_getlistof(RULE_BY_AVP_AND_PARENT, cmd, &sentinel) || !sentinel)
        return 0;
    for (struct fd_list *li = sentinel->next; li != sentinel && n < 128; li = li->next)
        found[n++] = li->o;
    for (unsigned i = 0; i < n; i++)
        if (fd_dict_delete(found[i]))
            return -EINVAL;
    return 0;
}

int diam_dict_setup(void)
{
    int r = ensure_vendor();
    if (r)
        return r;
    /* TS 29.272 7.1.8, TS 29.212 5.1 */
    if ((r = ensure_app(DIAM_APPID_S6A, "3GPP S6a/S6d", vendor3gpp, &app_s6a)) ||
        (r = ensure_app(DIAM_APPID_GX, "3GPP Gx", vendor3gpp, &app_gx)) ||
        (r = ensure_app(DIAM_APPID_GY, "Diameter Credit Control Application", NULL,
                        &app_gy)))
        return r;
    /* TS 29.272 7.2.1 Table 7.2.1/1 */
    if ((r = ensure_cmd(DIAM_CMD_ULR, "Update-Location-Request",
                        "Update-Location-Answer", app_s6a)) ||
        (r = ensure_cmd(DIAM_CMD_CLR, "Cancel-Location-Request",
                        "Cancel-Location-Answer", app_s6a)) ||
        (r = ensure_cmd(DIAM_CMD_AIR, "Authentication-Information-Request",
                        "Authentication-Information-Answer", app_s6a)) ||
        (r = ensure_cmd(DIAM_CMD_IDR, "Insert-Subscriber-Data-Request",
                        "Insert-Subscriber-Data-Answer", app_s6a)) ||
        (r = ensure_cmd(DIAM_CMD_PUR, "Purge-UE-Request", "Purge-UE-Answer", app_s6a)) ||
        (r = ensure_cmd(DIAM_CMD_CCR, "Credit-Control-Request",
                        "Credit-Control-Answer", app_gy)) ||
        (r = ensure_cmd(DIAM_CMD_RAR, "Re-Auth-Request", "Re-Auth-Answer", NULL)))
        return r;
    if ((r = drop_rules(DIAM_CMD_CCR, true)) || (r = drop_rules(DIAM_CMD_CCR, false)))
        return r;
    for (int i = 0; i < DA__COUNT; i++)
        if ((r = ensure_avp(i)))
            return r;
    return 0;
}

struct dict_object *diam_dict_cmd(uint32_t code, bool request)
{
    command_code_t c = code;
    struct dict_object *o = NULL;
    fd_dict_search(fd_g_config->cnf_dict, DICT_COMMAND,
                   request ? CMD_BY_CODE_R : CMD_BY_CODE_A, &c, &o, ENOENT);
    return o;
}

struct dict_object *diam_dict_app(uint32_t app_id)
{
    switch (app_id) {
    case DIAM_APPID_S6A: return app_s6a;
    case DIAM_APPID_GX: return app_gx;
    case DIAM_APPID_GY: return app_gy;
    }
    return NULL;
}

struct dict_object *diam_dict_vendor3gpp(void)
{
    return vendor3gpp;
}
