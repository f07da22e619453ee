/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_progs.h — a small runner in the style of the kernel's
 * tools/testing/selftests/bpf/test_progs: every test is a function
 * test_<name>(struct test_ctx *t) in prog_tests/<feature>.c, subtests
 * print their own TAP line, ASSERT_* print what was expected and what came.
 */
#ifndef XEPC_TEST_PROGS_H
#define XEPC_TEST_PROGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

struct test_ctx {
	int tap_n;		/* TAP lines printed so far */
	int failed_tests;
	const char *test;	/* current test */
	char subtest[96];	/* current subtest, "" when none */
	int fails;		/* failed asserts in the current (sub)test */
	int seq;		/* per-run counter for unique names */
	/* topology of the runner's private netns (see test_progs.c) */
	int if_s1u, if_sgi, if_ue, if_enb, if_pdn;
};

/* Start a subtest; closes the previous one.  Returns true (for if ()). */
bool test__start_subtest(struct test_ctx *t, const char *name);
void test__end_subtest(struct test_ctx *t);

void test__fail(struct test_ctx *t, const char *file, int line,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define ASSERT_EQ(a, b, name) ({					\
	long long ___a = (long long)(a), ___b = (long long)(b);		\
	bool ___ok = ___a == ___b;					\
	if (!___ok)							\
		test__fail(t, __FILE__, __LINE__,			\
			   "%s: expected %s == %lld, got %lld",		\
			   (name), #b, ___b, ___a);			\
	___ok; })

#define ASSERT_NEQ(a, b, name) ({					\
	long long ___a = (long long)(a), ___b = (long long)(b);		\
	bool ___ok = ___a != ___b;					\
	if (!___ok)							\
		test__fail(t, __FILE__, __LINE__,			\
			   "%s: expected != %lld, got %lld", (name),	\
			   ___b, ___a);					\
	___ok; })

#define ASSERT_GE(a, b, name) ({					\
	long long ___a = (long long)(a), ___b = (long long)(b);		\
	bool ___ok = ___a >= ___b;					\
	if (!___ok)							\
		test__fail(t, __FILE__, __LINE__,			\
			   "%s: expected >= %lld, got %lld", (name),	\
			   ___b, ___a);					\
	___ok; })

#define ASSERT_LE(a, b, name) ({					\
	long long ___a = (long long)(a), ___b = (long long)(b);		\
	bool ___ok = ___a <= ___b;					\
	if (!___ok)							\
		test__fail(t, __FILE__, __LINE__,			\
			   "%s: expected <= %lld, got %lld", (name),	\
			   ___b, ___a);					\
	___ok; })

#define ASSERT_TRUE(c, name) ({						\
	bool ___ok = !!(c);						\
	if (!___ok)							\
		test__fail(t, __FILE__, __LINE__,			\
			   "%s: expected true: %s", (name), #c);	\
	___ok; })

#define ASSERT_FALSE(c, name) ASSERT_TRUE(!(c), name)

#define ASSERT_OK(err, name) ({						\
	long long ___e = (long long)(err);				\
	bool ___ok = ___e == 0;						\
	if (!___ok)							\
		test__fail(t, __FILE__, __LINE__,			\
			   "%s: expected success, got %lld (errno %d %s)",\
			   (name), ___e, errno, strerror(errno));	\
	___ok; })

#define ASSERT_OK_PTR(p, name) ({					\
	const void *___p = (p);						\
	bool ___ok = ___p != NULL;					\
	if (!___ok)							\
		test__fail(t, __FILE__, __LINE__,			\
			   "%s: unexpected NULL (errno %d %s)", (name),	\
			   errno, strerror(errno));			\
	___ok; })

#define ASSERT_MEMEQ(a, b, n, name) ({					\
	bool ___ok = memcmp((a), (b), (n)) == 0;			\
	if (!___ok)							\
		test__fail(t, __FILE__, __LINE__,			\
			   "%s: %zu bytes differ", (name), (size_t)(n));\
	___ok; })

/* Runs a shell command in the runner's netns; 0 on success. */
int test__sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* XEPC_TEST_PROGS_H */
