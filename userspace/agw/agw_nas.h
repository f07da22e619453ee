/* Helpers between the daemon's configuration and the NAS codec's IEs. */
#ifndef XEPC_AGW_NAS_H
#define XEPC_AGW_NAS_H

#include "agw/agw.h"

void agw_nas_timer(uint32_t ms, struct nas_gprs_timer *t);
void agw_nas_guti(struct agw_ctx *ctx, const struct agw_ue *ue, struct nas_mobile_id *id);
void agw_nas_plmn(const struct agw_plmn *p, struct nas_plmn *out);
int emm_build_attach_accept(struct agw_ctx *ctx, struct agw_ue *ue, struct nas_message *m);

#endif
