/* make bench: CSV import of 100k subscribers (one transaction, prepared
 * statements) and authentication vectors per second (each one an IMMEDIATE
 * transaction committed with synchronous=FULL before it is returned). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agw/hss.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    char dir[] = "/tmp/xepc-bench-hss-XXXXXX", path[64], csv[64], err[4096];
    const int N = 100000;
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof(path), "%s/agw.db", dir);
    snprintf(csv, sizeof(csv), "%s/subs.csv", dir);
    FILE *f = fopen(csv, "w");
    if (!f)
        return 1;
    fprintf(f, "imsi,k,opc,op,amf,sqn,msisdn,state,apns,static_ipv4\n");
    for (int i = 0; i < N; i++)
        fprintf(f,
                "00101%010d,465b5ce8b199b49faa5f0a2ee238a6bc,,cdc202d5123e20f62b6d676ac72cb318,"
                "8000,0,336%08d,active,internet;ims,\n",
                i, i);
    fclose(f);

    struct agw_db db;
    struct hss h;
    if (agw_db_open(path, &db, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    hss_init(&h, &db);
    f = fopen(csv, "r");
    size_t n;
    double t0 = now();
    enum hss_err e = hss_import_csv(&h, f, csv, false, &n, err, sizeof(err));
    double t1 = now();
    fclose(f);
    if (e || n != (size_t)N) {
        fprintf(stderr, "import: %s\n%s", hss_err_str(e), err);
        return 1;
    }
    printf("bench: hss_import_100k %.2f s\n", t1 - t0);
    printf("bench: hss_import_rate %.0f subscribers/s\n", N / (t1 - t0));

    const uint8_t plmn[3] = {0x00, 0xf1, 0x10};
    int v = 0;
    t0 = now();
    for (; now() - t0 < 2.0; v++) {
        char imsi[32];
        struct sec_eps_vector vec;
        snprintf(imsi, sizeof(imsi), "00101%010d", v % N);
        if (hss_auth_vector(&h, imsi, plmn, &vec))
            return 1;
    }
    t1 = now();
    printf("bench: hss_auth_vectors %.0f vectors/s\n", v / (t1 - t0));

    /* Baseline in the same run: the same transaction (IMMEDIATE, one row
     * updated, COMMIT with synchronous=FULL) without the crypto. */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db.db, "UPDATE subscribers SET sqn = sqn + 32 WHERE imsi = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return 1;
    int c = 0;
    t0 = now();
    for (; now() - t0 < 2.0; c++) {
        char imsi[32];
        snprintf(imsi, sizeof(imsi), "00101%010d", c % N);
        if (agw_db_begin(&db))
            return 1;
        sqlite3_bind_text(st, 1, imsi, -1, SQLITE_TRANSIENT);
        sqlite3_step(st);
        sqlite3_reset(st);
        if (agw_db_commit(&db))
            return 1;
    }
    t1 = now();
    sqlite3_finalize(st);
    printf("bench: hss_commit_baseline %.0f commits/s\n", c / (t1 - t0));
    agw_db_close(&db);
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) ? 1 : 0;
}
