/* Choosing EEA/EIA against the UE's capabilities (TS 33.401 7.2.4.2). */
#include "sec/nas_algs.h"

static const uint8_t default_pref[] = {SEC_ALG_2, SEC_ALG_3, SEC_ALG_1};

static int supports(uint8_t caps, unsigned alg)
{
    return alg < SEC_ALG_COUNT && (caps >> (7 - alg)) & 1;
}

static int pick(uint8_t caps, const uint8_t *pref, size_t n)
{
    if (!pref) {
        pref = default_pref;
        n = sizeof(default_pref);
    }
    for (size_t i = 0; i < n; i++)
        if (pref[i] != SEC_ALG_0 && supports(caps, pref[i]))
            return pref[i];
    return -1;
}

int sec_select_eea(uint8_t ue_caps, const uint8_t *pref, size_t n)
{
    int alg = pick(ue_caps, pref, n);

    /* A real cipher the UE has but the list does not name still beats
     * EEA0. */
    if (alg < 0)
        alg = pick(ue_caps, NULL, 0);
    if (alg < 0 && supports(ue_caps, SEC_ALG_0))
        alg = SEC_ALG_0;
    return alg;
}

int sec_select_eia(uint8_t ue_caps, const uint8_t *pref, size_t n)
{
    return pick(ue_caps, pref, n);
}
