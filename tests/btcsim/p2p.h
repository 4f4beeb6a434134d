/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * p2p.h - P2P data for the p2p scenario: addresses, message types, payloads.
 */
#ifndef BTCSIM_P2P_H
#define BTCSIM_P2P_H

#include "btcsim.h"

#define MAX_PROTOCOL_MESSAGE_LENGTH 4000000 /* inbound payload cap */

/* Every message type of protocol.h (v31), in a fixed order. */
size_t p2p_n_types(void);
const char *p2p_type(size_t i);

/* A type of everyday traffic (inv, tx, ping, headers, ...). */
const char *p2p_common_type(struct rng *r);

/* Peer-controlled unknown types: up to 12 printable characters (including
 * the empty string, spaces, quotes and backslashes), inbound only. */
size_t p2p_n_odd_types(void);
const char *p2p_odd_type(size_t i);

/* "host:port" text for a peer on `net` (heap). */
char *p2p_addr(struct rng *r, enum sim_network net);
/* Onion v3 "<56 base32>.onion:port" (heap); 68 chars with a 5-digit port. */
char *p2p_onion(struct rng *r, unsigned port);
/* A 120-character "hostname:port" as given to -addnode (heap). */
char *p2p_long_hostname(struct rng *r);

/* Builds message `type` with a realistic payload; size_hint 0 = draw one. */
void p2p_msg_make(struct rng *r, struct sim_msg *m, const char *type, size_t size_hint);
void p2p_msg_free(struct sim_msg *m);

#endif /* BTCSIM_P2P_H */
