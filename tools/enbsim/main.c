/* enbsim — an eNodeB + UE simulator for xepc: real S1AP over real SCTP,
 * the UE side of NAS with a USIM per UE, and a GTP-U user plane on TUN
 * devices.  See docs/enbsim.md and `enbsim --help`. */
#include <stdio.h>

#include "enbsim_ctx.h"

int main(int argc, char **argv)
{
    return enbsim_run(argc, argv, stdout);
}
