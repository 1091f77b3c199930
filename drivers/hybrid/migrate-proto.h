/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure parts of hybrid-migrate: the xenstore request grammar and the
 * CPU feature comparison.  No kernel state here: this file is also built
 * into the user-space unit tests.
 */
#ifndef _HYBRID_MIGRATE_PROTO_H
#define _HYBRID_MIGRATE_PROTO_H

#include <linux/types.h>
#include <uapi/linux/hybrid_migrate.h>

/* Largest timeout a host may ask for: one hour. */
#define HYBRID_MAX_TIMEOUT_MS	3600000U

enum hybrid_req_op {
	HYBRID_REQ_NONE,	/* the node is empty or absent */
	HYBRID_REQ_PREPARE,
	HYBRID_REQ_ABORT,
};

struct hybrid_req {
	enum hybrid_req_op op;
	u64 id;
	u32 timeout_ms;
};

int hybrid_parse_request(const char *s, struct hybrid_req *req);

/* The leaves of struct hybrid_cpu_features, in order. */
extern const u32 hybrid_cpuid_leaves[HYBRID_CPUID_NR_LEAVES][2];

bool hybrid_cpu_features_diff(const struct hybrid_cpu_features *before,
			      const struct hybrid_cpu_features *after,
			      struct hybrid_cpu_features *changed);

#endif /* _HYBRID_MIGRATE_PROTO_H */
