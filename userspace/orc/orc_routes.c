/* The route tables of xepc-orcd, one per resource group (res_<group>.c).
 * A new group (the gateway-facing API, the web UI's static files) adds
 * its table here; docs/orchestrator.md, "Extending orcd". */
#include "orc/orc.h"

extern const struct orc_route orc_routes_admin[];
extern const struct orc_route orc_routes_network[];
extern const struct orc_route orc_routes_subscriber[];
extern const struct orc_route orc_routes_apn[];
extern const struct orc_route orc_routes_gateway[];
extern const struct orc_route orc_routes_policy[];
extern const struct orc_route orc_routes_gwapi[];
extern const struct orc_route orc_routes_ui[];
extern const struct orc_route orc_routes_gwsync[];
extern const struct orc_route orc_routes_usage[];

const struct orc_route *const orc_route_tables[] = {
    orc_routes_admin,
    orc_routes_network,
    orc_routes_gateway,
    orc_routes_apn,
    orc_routes_subscriber,
    orc_routes_policy,
    orc_routes_gwapi,
    orc_routes_ui,
    orc_routes_gwsync,
    orc_routes_usage,
    NULL,
};
