/* libFuzzer target for the configuration parser (and the subscriber APN
 * spec parser): whatever the bytes, a return value, no crash, no leak;
 * a rejected file has at least one "NAME:LINE:COL: " error line, an
 * accepted one the required keys filled. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agw/agw_config.h"
#include "agw/hss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char err[4096];
    struct agw_config cfg;
    int rc = agw_config_load_string("f.yaml", (const char *)data, size, &cfg, err, sizeof(err));
    if (rc == -EINVAL && strncmp(err, "f.yaml:", 7))
        __builtin_trap();
    if (rc == 0 && (cfg.n_apns == 0 || cfg.mme.n_tai == 0 || !cfg.datapath.s1u[0] ||
                    !agw_config_apn(&cfg, NULL)))
        __builtin_trap();
    agw_config_free(&cfg);

    char spec[300];
    size_t n = size < sizeof(spec) - 1 ? size : sizeof(spec) - 1;
    memcpy(spec, data, n);
    spec[n] = 0;
    struct hss_apn a;
    (void)hss_apn_parse(spec, &a, err, sizeof(err));
    return 0;
}
