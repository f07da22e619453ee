/*
 * fuzz_selftest_ubsan — a target that MUST fail: it commits undefined
 * behaviour (signed overflow) on any input that starts with 'U'.  It is
 * never part of `make fuzz`; tools/run-fuzzers-selftest.sh runs it to prove
 * that a UBSan report fails both the fuzz build (through run-fuzzers.sh)
 * and the unit-test build (the same file with a main(), built with the
 * unit tests' sanitizer flags).
 *
 * XEPC_SELFTEST_PRINT_ONLY=1 only prints a report-like line and returns:
 * run-fuzzers.sh must still fail the run from its log.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	volatile int big = INT_MAX;
	volatile int sum;

	if (n < 1 || in[0] != 'U')
		return 0;
	if (getenv("XEPC_SELFTEST_PRINT_ONLY")) {
		fprintf(stderr, "fuzz_selftest_ubsan.c:1:1: runtime error: simulated report\n");
		return 0;
	}
	sum = big + (int)n;             /* the deliberate signed overflow */
	(void)sum;
	return 0;
}

#ifndef XEPC_FUZZING
int main(int argc, char **argv)
{
	const char *arg = argc > 1 ? argv[1] : "";

	LLVMFuzzerTestOneInput((const uint8_t *)arg, strlen(arg));
	printf("fuzz_selftest_ubsan: returned normally\n");
	return 0;
}
#endif
