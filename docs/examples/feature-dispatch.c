// SPDX-License-Identifier: GPL-2.0
/*
 * feature-dispatch: an application that survives live migration.
 *
 * It keeps two things that a migration can make wrong:
 *
 *   - a dispatch table picked by CPU feature: one AES round with the AES
 *     instructions when the CPU has "aes", in plain C otherwise.  A domain
 *     can be migrated to a host whose CPU lacks a feature it had here.
 *   - a user-space random number generator.  A restored or cloned domain
 *     replays the same RNG state as every other copy of it.
 *
 * On its hot path it checks the generation counter of the mapped page of
 * /dev/hybrid-migrate (hm_gen_changed(): one load, no system call); when
 * the domain has resumed (a COMPLETE), it rebuilds the table from the new
 * feature snapshot and reseeds the RNG from getrandom(2).
 *
 *   feature-dispatch [--device PATH] [--requests N]
 *   feature-dispatch --self-test       the two AES rounds agree
 *
 * Build: cc feature-dispatch.c $(pkg-config --cflags --libs libhybridmigrate)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <immintrin.h>

#include <hybrid-migrate.h>

static __u8 sbox[256];

static __u8 rotl8(__u8 x, int n)
{
	return (x << n) | (x >> (8 - n));
}

/* The AES S-box, from the inverse in GF(2^8) and the affine map. */
static void sbox_init(void)
{
	__u8 p = 1, q = 1;

	do {
		p = p ^ (p << 1) ^ (p & 0x80 ? 0x1b : 0);	/* p *= 3 */
		q ^= q << 1;					/* q /= 3 */
		q ^= q << 2;
		q ^= q << 4;
		if (q & 0x80)
			q ^= 0x09;
		sbox[p] = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^
			  rotl8(q, 4) ^ 0x63;
	} while (p != 1);
	sbox[0] = 0x63;
}

static __u8 xtime(__u8 x)
{
	return (x << 1) ^ (x & 0x80 ? 0x1b : 0);
}

/* One AES encryption round: MixColumns(ShiftRows(SubBytes(s))) ^ key. */
static void aes_round_generic(__u8 out[16], const __u8 in[16], const __u8 key[16])
{
	__u8 s[16];
	int c, r;

	/* SubBytes and ShiftRows; byte 4c + r is row r of column c */
	for (c = 0; c < 4; c++)
		for (r = 0; r < 4; r++)
			s[4 * c + r] = sbox[in[4 * ((c + r) % 4) + r]];
	for (c = 0; c < 4; c++) {
		__u8 *a = &s[4 * c], t = a[0] ^ a[1] ^ a[2] ^ a[3], a0 = a[0];

		out[4 * c + 0] = a[0] ^ t ^ xtime(a[0] ^ a[1]) ^ key[4 * c + 0];
		out[4 * c + 1] = a[1] ^ t ^ xtime(a[1] ^ a[2]) ^ key[4 * c + 1];
		out[4 * c + 2] = a[2] ^ t ^ xtime(a[2] ^ a[3]) ^ key[4 * c + 2];
		out[4 * c + 3] = a[3] ^ t ^ xtime(a[3] ^ a0) ^ key[4 * c + 3];
	}
}

__attribute__((target("aes")))
static void aes_round_ni(__u8 out[16], const __u8 in[16], const __u8 key[16])
{
	__m128i s = _mm_loadu_si128((const __m128i *)in);
	__m128i k = _mm_loadu_si128((const __m128i *)key);

	_mm_storeu_si128((__m128i *)out, _mm_aesenc_si128(s, k));
}

struct app {
	struct hm_gen gen;
	/* the dispatch table */
	void (*aes_round)(__u8 out[16], const __u8 in[16], const __u8 key[16]);
	__u64 rng[2];			/* xorshift128+ */
	unsigned long resumes;
};

static __u64 rng_next(struct app *a)
{
	__u64 x = a->rng[0], y = a->rng[1];

	a->rng[0] = y;
	x ^= x << 23;
	a->rng[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
	return a->rng[1] + y;
}

/* Reseeds the RNG and picks implementations from the page's snapshot. */
static void on_resume(struct app *a)
{
	struct hybrid_migrate_page copy;
	int aes;

	hm_page_read(a->gen.page, &copy);
	aes = hm_has_feature(&copy.features, "aes") == 1;
	a->aes_round = aes ? aes_round_ni : aes_round_generic;
	if (getrandom(a->rng, sizeof(a->rng), 0) != sizeof(a->rng)) {
		perror("feature-dispatch: getrandom");
		exit(1);
	}
	printf("generation %llu: aes round %s, RNG reseeded\n",
	       (unsigned long long)a->gen.seen, aes ? "AES-NI" : "generic");
	fflush(stdout);
}

static int self_test(void)
{
	__u8 in[16], key[16], x[16], y[16];
	int i;

	if (!__builtin_cpu_supports("aes")) {
		puts("self-test: this CPU has no AES instructions; nothing to compare");
		return 0;
	}
	for (i = 0; i < 1000; i++) {
		if (getrandom(in, 16, 0) != 16 || getrandom(key, 16, 0) != 16)
			return 1;
		aes_round_generic(x, in, key);
		aes_round_ni(y, in, key);
		if (memcmp(x, y, 16)) {
			puts("self-test: the AES rounds differ");
			return 1;
		}
	}
	puts("self-test: AES-NI and generic AES rounds agree on 1000 blocks");
	return 0;
}

int main(int argc, char **argv)
{
	const struct hybrid_migrate_page *page;
	unsigned long long requests = 100000000, i;
	const char *dev = NULL;
	struct hm_handle *h;
	struct app a = { };
	__u8 block[16] = { 0 }, key[16];
	__u64 k[2];
	int err;

	sbox_init();
	for (i = 1; i < (unsigned long long)argc; i++) {
		if (!strcmp(argv[i], "--self-test"))
			return self_test();
		if (!strcmp(argv[i], "--device") && i + 1 < (unsigned long long)argc) {
			dev = argv[++i];
		} else if (!strcmp(argv[i], "--requests") && i + 1 < (unsigned long long)argc) {
			requests = strtoull(argv[++i], NULL, 0);
		} else {
			fputs("usage: feature-dispatch [--device PATH] [--requests N]\n"
			      "       feature-dispatch --self-test\n", stderr);
			return 64;
		}
	}
	err = hm_open(dev, 0, &h);
	if (!err)
		err = hm_map_page(h, &page);
	if (err) {
		fprintf(stderr, "feature-dispatch: %s: %s\n",
			dev ? dev : HM_DEFAULT_DEVICE, hm_strerror(err));
		return 1;
	}
	hm_gen_init(&a.gen, page);
	on_resume(&a);

	for (i = 0; i < requests; i++) {
		/* The hot path: one load and a compare. */
		if (hm_gen_changed(&a.gen)) {
			a.resumes++;
			on_resume(&a);
		}
		k[0] = rng_next(&a);
		k[1] = rng_next(&a);
		memcpy(key, k, sizeof(key));
		a.aes_round(block, block, key);
	}
	printf("%llu requests, %lu resumes, last block %02x%02x%02x%02x...\n",
	       requests, a.resumes, block[0], block[1], block[2], block[3]);
	hm_close(h);
	return 0;
}
