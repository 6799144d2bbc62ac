// Typed interfaces of the node's actors. They live together here because they refer to each
// other (a delegate talks to its chain; the chain asks its delegates for confirmations).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "protocols/access_views.hpp"
#include "protocols/vocabulary.hpp"

namespace bfd {

using timer_atom = caf::atom_constant<caf::atom("timer")>;
using sidechains_atom = caf::atom_constant<caf::atom("sidechains")>;
using anchor_atom = caf::atom_constant<caf::atom("anchor")>;
using headers_atom = caf::atom_constant<caf::atom("headers")>;
using pegout_atom = caf::atom_constant<caf::atom("pegout")>;
using pegfinal_atom = caf::atom_constant<caf::atom("pegfinal")>;
using pegmsg_atom = caf::atom_constant<caf::atom("pegmsg")>;
using pegrec_atom = caf::atom_constant<caf::atom("pegrec")>;
using pegtmo_atom = caf::atom_constant<caf::atom("pegtmo")>;
using pegfly_atom = caf::atom_constant<caf::atom("pegfly")>;
using contract_atom = caf::atom_constant<caf::atom("contract")>;
using dsmeta_atom = caf::atom_constant<caf::atom("dsmeta")>;
using funds_atom = caf::atom_constant<caf::atom("funds")>;
using health_atom = caf::atom_constant<caf::atom("health")>;
using rollouts_atom = caf::atom_constant<caf::atom("rollouts")>;
using services_atom = caf::atom_constant<caf::atom("services")>;
using authority_atom = caf::atom_constant<caf::atom("authority")>;
using cluster_atom = caf::atom_constant<caf::atom("cluster")>;
using acctxs_atom = caf::atom_constant<caf::atom("acctxs")>;

/// One sidechain as the mainchain's final registry state holds it (protocols/sidechain_views.hpp
/// builds these from a registry and decodes the entry).
struct sidechain_view {
  std::uint32_t id = 0;
  std::uint8_t status = 0;  ///< bfd::sidechain_status
  std::uint64_t registered_height = 0;
  std::uint64_t activated_height = 0;  ///< 0: not activated
  std::uint64_t ceased_height = 0;     ///< 0: not ceased
  std::uint64_t anchored_height = 0;   ///< latest anchored header (0: the genesis)
  hash256 anchored_hash;
  hash256 genesis_hash;
  bytes entry;  ///< the entry, as the canonical register payload
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sidechain_view& x) {
  return f(caf::meta::type_name("bfd::sidechain_view"), x.id, x.status, x.registered_height, x.activated_height,
           x.ceased_height, x.anchored_height, x.anchored_hash, x.genesis_hash, x.entry);
}

/// What the mainchain holds of the anchoring of sidechain `id` at height `h` (anchor_atom): the
/// kept anchor covering h in the final registry, the anchor transaction with its place and
/// Merkle path in the anchoring block, that block's header and the headers above it up to the
/// final one (at most max_mainchain_links). Headers travel as canonical bytes, decoded by the asker.
struct anchor_evidence {
  std::uint16_t code = 0;  ///< errc::ok, or why there is no evidence (detail says more)
  std::string detail;
  std::uint64_t sidechain_height = 0;  ///< the anchored sidechain header's height
  hash256 header_hash;                 ///< and its hash
  std::uint64_t mainchain_height = 0;  ///< the block holding the anchor transaction
  tx_envelope tx;                      ///< the anchor transaction
  std::uint64_t index = 0;             ///< its position in that block
  std::uint64_t leaf_count = 0;        ///< the block's transaction count
  std::vector<hash256> siblings;       ///< its Merkle path in the block's tx root
  bytes mainchain_block;               ///< the anchoring block's header
  std::vector<bytes> mainchain_links;  ///< headers mainchain_height+1 .. up to the final one
  std::uint64_t final_height = 0;      ///< the chain's final height when it answered
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, anchor_evidence& x) {
  return f(caf::meta::type_name("bfd::anchor_evidence"), x.code, x.detail, x.sidechain_height, x.header_hash,
           x.mainchain_height, x.tx, x.index, x.leaf_count, x.siblings, x.mainchain_block, x.mainchain_links,
           x.final_height);
}

/// The peg outbox of one final block (pegout_atom, height), as the chain actor kept it when the
/// block became final (however it was applied) or read it from the block's `o` record: the
/// entries in order, each a canonical peg message (kinds[i] 0) or acknowledgement (kinds[i] 1).
/// Code not_found when the chain has no peg, the node lacks the block, the block is not final
/// yet, or no outbox was kept (a block made final before the `o` record existed); an empty list
/// when the block wrote nothing.
struct peg_outbox_reply {
  std::uint16_t code = 0;
  std::string detail;
  hash256 block;
  std::vector<std::uint8_t> kinds;
  std::vector<bytes> entries;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peg_outbox_reply& x) {
  return f(caf::meta::type_name("bfd::peg_outbox_reply"), x.code, x.detail, x.block, x.kinds, x.entries);
}

/// A contracts query (contract_atom, what, key, from, limit, caller; protocols/contract_json.hpp)
/// answered from the head state: the JSON text, or an error code and detail.
struct contract_answer {
  std::uint16_t code = 0;
  std::string detail;
  std::string json;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, contract_answer& x) {
  return f(caf::meta::type_name("bfd::contract_answer"), x.code, x.detail, x.json);
}

/// A peg message as this chain's final state knows it (pegmsg_atom, source chain, sequence).
struct peg_message_view {
  std::uint16_t code = 0;  ///< not_found: the chain has no peg module
  std::string detail;
  bool sent = false;        ///< this chain sent it (it is the source)
  std::uint8_t state = 0;   ///< peg::message_state on the source, when sent
  bytes message;            ///< the canonical message while it is in flight here
  bool received = false;    ///< this chain holds its receipt (it is the destination)
  bool ack_success = false; ///< the acknowledgement it wrote succeeded, when received
  std::uint64_t final_height = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peg_message_view& x) {
  return f(caf::meta::type_name("bfd::peg_message_view"), x.code, x.detail, x.sent, x.state, x.message, x.received,
           x.ack_success, x.final_height);
}

/// Every record of the final state's peg module (pegrec_atom), so a reader can rebuild it
/// (peg_module::from_records) and check conservation across chains. Code not_found without a peg.
struct peg_records_reply {
  std::uint16_t code = 0;
  std::uint64_t final_height = 0;
  std::vector<bytes> keys;
  std::vector<bytes> values;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peg_records_reply& x) {
  return f(caf::meta::type_name("bfd::peg_records_reply"), x.code, x.final_height, x.keys, x.values);
}

/// A JSON view of the final state, or a code and detail: a DS metadata view (dsmeta_atom,
/// section, from: GET /v1/chains/{id}/ds[/{section}[/{from}]], protocols/dsmeta_json; not_found
/// on a chain without DS metadata, invalid_argument for a bad section or start), or a service
/// registry view (services_atom, what, service, argument: GET /v1/services..., protocols/
/// services_json; not_found for an unknown service, invalid_argument for a bad id), or a
/// credential group (authority_atom, group id hex, revoked pseudonym to list after or "":
/// GET /v1/authority/groups/{group}, protocols/authority_json; not_found without the module or
/// for an unknown group).
struct json_view_reply {
  std::uint16_t code = 0;
  std::string detail;
  std::string body;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, json_view_reply& x) {
  return f(caf::meta::type_name("bfd::json_view_reply"), x.code, x.detail, x.body);
}

/// A service's rollout as the final services state holds it (rollouts_atom), with the new
/// version's contract on the canary chain (all zero when that version names none there).
struct service_rollout_view {
  std::uint64_t service = 0;
  std::uint32_t version = 0;
  std::uint32_t previous = 0;
  std::uint32_t canary = 0;
  std::uint64_t canary_height = 0;
  std::uint8_t phase = 0;  ///< bfd::services::rollout_phase
  std::uint64_t decided_at = 0;
  std::string reason;
  address instance;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_rollout_view& x) {
  return f(caf::meta::type_name("bfd::service_rollout_view"), x.service, x.version, x.previous, x.canary,
           x.canary_height, x.phase, x.decided_at, x.reason, x.instance);
}

/// Every service's rollout in the final services state (rollouts_atom), by service id, and the
/// final height it was read at. Code not_found on a chain without the services module.
struct service_rollouts_reply {
  std::uint16_t code = 0;
  std::uint64_t final_height = 0;
  std::vector<service_rollout_view> rollouts;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_rollouts_reply& x) {
  return f(caf::meta::type_name("bfd::service_rollouts_reply"), x.code, x.final_height, x.rollouts);
}

/// Most heights one health_atom request covers.
inline constexpr std::uint64_t max_health_range = 1000;

/// What this node measured of a chain over final heights [from, to] (health_atom, contract,
/// from, to; actors/chain/chain_health.hpp, docs/service-triage.md): calls to `contract` and
/// their outcome from the kept receipts, missed slots, and the latency from each block's
/// timestamp to when this node saw it final (only blocks seen final since this node started).
struct health_reply {
  std::uint16_t code = 0;  ///< invalid_argument: empty or too long a range; not_found: a block is missing
  std::string detail;
  std::uint32_t chain = 0;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  std::uint64_t final_height = 0;
  std::uint64_t blocks = 0;
  std::uint64_t calls = 0;          ///< contract_call transactions to the contract
  std::uint64_t failed_calls = 0;   ///< of them, with a failure receipt
  std::uint64_t unknown_calls = 0;  ///< of them, whose receipt is no longer kept
  std::uint64_t missed_slots = 0;
  std::uint64_t latency_samples = 0;
  std::uint64_t latency_p99_ms = 0;
  std::uint64_t latency_max_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, health_reply& x) {
  return f(caf::meta::type_name("bfd::health_reply"), x.code, x.detail, x.chain, x.from, x.to, x.final_height,
           x.blocks, x.calls, x.failed_calls, x.unknown_calls, x.missed_slots, x.latency_samples, x.latency_p99_ms,
           x.latency_max_ms);
}

/// The timeout bundle of a message (pegtmo_atom, source chain, sequence) from this chain's final
/// state, the message's destination: a canonical peg::timeout_bundle. Code not_found when the
/// chain has no peg or no final certificate yet, duplicate when its receipt exists (received).
struct peg_timeout_reply {
  std::uint16_t code = 0;
  std::string detail;
  std::uint64_t final_height = 0;
  bytes bundle;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peg_timeout_reply& x) {
  return f(caf::meta::type_name("bfd::peg_timeout_reply"), x.code, x.detail, x.final_height, x.bundle);
}

/// Most messages one pegfly_atom answer lists.
inline constexpr std::size_t max_in_flight_per_answer = 256;

/// Messages in flight in this chain's final peg state (pegfly_atom, destination, first sequence,
/// highest timeout height): those to `destination` from sequence `first` up whose timeout height
/// is at most the given one, by sequence, at most max_in_flight_per_answer (`more` when cut).
struct peg_in_flight_reply {
  std::uint16_t code = 0;  ///< not_found: the chain has no peg module
  std::uint64_t final_height = 0;
  std::vector<std::uint64_t> sequences;
  std::vector<std::uint64_t> timeout_heights;
  bool more = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peg_in_flight_reply& x) {
  return f(caf::meta::type_name("bfd::peg_in_flight_reply"), x.code, x.final_height, x.sequences, x.timeout_heights,
           x.more);
}

/// Most headers one headers_atom request returns.
inline constexpr std::uint64_t max_headers_per_request = 1024;

/// Consecutive headers of a chain's best chain (headers_atom), as canonical bytes from `from`
/// upwards; it stops early at the first height this node lacks.
struct header_range {
  std::uint64_t from = 0;
  std::vector<bytes> headers;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, header_range& x) {
  return f(caf::meta::type_name("bfd::header_range"), x.from, x.headers);
}

/// A VM's public summary (for queries, logs and the HTTP bridge).
struct delegate_summary {
  public_key key;
  std::uint32_t category = 0;
  std::uint64_t bid = 0;
  std::uint64_t votes = 0;
  std::uint8_t status = 0;  ///< bfd::vm_status
  bool in_cluster = false;
  std::uint64_t blocks_produced = 0;
  std::uint64_t slots_missed = 0;
  std::uint64_t txs_included = 0;
  std::uint64_t rewards = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delegate_summary& x) {
  return f(caf::meta::type_name("bfd::delegate_summary"), x.key, x.category, x.bid, x.votes, x.status,
           x.in_cluster, x.blocks_produced, x.slots_missed, x.txs_included, x.rewards);
}

/// An account's state as the head sees it.
struct account_summary {
  std::uint64_t balance = 0;
  std::uint64_t nonce = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, account_summary& x) {
  return f(caf::meta::type_name("bfd::account_summary"), x.balance, x.nonce);
}

/// The admission verdict of the mempool: errc::ok or the reason.
struct admission {
  std::uint16_t code = 0;
  std::string detail;
  hash256 id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admission& x) {
  return f(caf::meta::type_name("bfd::admission"), x.code, x.detail, x.id);
}

/// Where a transaction stands.
enum class tx_state : std::uint8_t {
  unknown = 0,   ///< never seen (or forgotten)
  pending = 1,   ///< in the mempool
  included = 2,  ///< in a block of the best chain, not final yet
  final = 3,     ///< in a final block
  rejected = 4,  ///< refused: see code and detail
};

/// A transaction's status and, when known, the transaction and its place in the chain.
struct tx_status {
  std::uint8_t state = 0;  ///< bfd::tx_state
  std::uint64_t height = 0;
  std::uint32_t index = 0;
  hash256 block;
  std::uint16_t code = 0;  ///< bfd::errc when rejected
  std::string detail;
  tx_envelope tx;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tx_status& x) {
  return f(caf::meta::type_name("bfd::tx_status"), x.state, x.height, x.index, x.block, x.code, x.detail, x.tx);
}

/// Pending transactions: admission, batches for producers, pruning after blocks.
using mempool_actor = caf::typed_actor<
  caf::replies_to<submit_atom, tx_envelope>::with<admission>,
  /// Many at once (verified in parallel); one verdict per transaction, in order.
  caf::replies_to<submit_atom, std::vector<tx_envelope>>::with<std::vector<admission>>,
  caf::replies_to<take_atom, std::uint32_t>::with<std::vector<tx_envelope>>,
  caf::reacts_to<included_atom, inclusion_notice>,
  caf::replies_to<size_atom>::with<std::uint64_t>,
  /// pending, rejected (recently, with the reason) or unknown.
  caf::replies_to<tx_atom, hash256>::with<tx_status>,
  /// A transaction a peer node admitted: admitted here too, not relayed again.
  caf::reacts_to<relay_atom, tx_envelope>,
  /// Where to relay transactions admitted here (a peer node's chain actor).
  caf::reacts_to<peer_atom, caf::actor>>;

/// A VM's delegate: produces in its slots, confirms blocks.
using delegate_actor = caf::typed_actor<
  /// Acts for the clock's current time: produces if the slot is its own. Replies blocks made.
  caf::replies_to<tick_atom>::with<std::uint32_t>,
  /// Signs a finality vote for the block from the source (height, hash), or replies an empty
  /// envelope if its voting rules forbid it.
  caf::replies_to<confirm_atom, block_envelope, std::uint64_t, hash256>::with<confirmation_envelope>,
  /// Internal: the self-scheduled wake-up in wall-clock mode.
  caf::reacts_to<timer_atom>>;

/// One chain's replica on this node: validates, applies, finalizes, persists, answers queries.
using chain_actor = caf::typed_actor<
  caf::replies_to<block_atom, block_envelope>::with<block_ack>,
  caf::reacts_to<confirm_atom, confirmation_envelope>,
  caf::replies_to<schedule_atom, std::uint64_t>::with<slot_info>,
  caf::replies_to<build_atom, build_request>::with<build_reply>,
  caf::replies_to<info_atom>::with<chain_info>,
  caf::replies_to<height_atom, std::uint64_t>::with<block_envelope>,
  caf::replies_to<account_atom, address>::with<account_summary>,
  /// included, final or unknown (ask the mempool about pending and rejected ones).
  caf::replies_to<tx_atom, hash256>::with<tx_status>,
  caf::replies_to<block_atom, hash256>::with<block_envelope>,
  caf::replies_to<delegates_atom>::with<std::vector<delegate_summary>>,
  /// Health figures of final heights [from, to] for calls to a contract (to: capped at final).
  caf::replies_to<health_atom, address, std::uint64_t, std::uint64_t>::with<health_reply>,
  /// Every service's rollout in the final services state (code not_found without the module).
  caf::replies_to<rollouts_atom>::with<service_rollouts_reply>,
  /// A local delegate introduces itself: its key and its last vote's target (hash, height).
  caf::reacts_to<attach_atom, delegate_actor, public_key, hash256, std::uint64_t>,
  /// Blocks, confirmations and transactions from peer nodes: processed, not relayed again.
  caf::reacts_to<relay_atom, block_envelope>,
  caf::reacts_to<relay_atom, confirmation_envelope>,
  /// A peer's justification or finality certificate: its votes, checked here.
  caf::reacts_to<relay_atom, certificate_envelope>,
  caf::reacts_to<relay_atom, tx_envelope>,
  /// The final block's certificate (empty before the first finalization).
  caf::replies_to<cert_atom>::with<certificate_envelope>,
  /// The sidechain registry of the final state (empty on a chain without the registry module).
  caf::replies_to<sidechains_atom>::with<std::vector<sidechain_view>>,
  /// The mainchain's evidence that sidechain block (id, height) is anchored, from the final
  /// registry (code not_found when there is none).
  caf::replies_to<anchor_atom, std::uint32_t, std::uint64_t>::with<anchor_evidence>,
  /// Headers [from, to] of the best chain (at most max_headers_per_request).
  caf::replies_to<headers_atom, std::uint64_t, std::uint64_t>::with<header_range>,
  /// The peg outbox a final block wrote (peg_outbox_reply).
  caf::replies_to<pegout_atom, std::uint64_t>::with<peg_outbox_reply>,
  /// The final header, its certificate and the final state's proof, as a canonical
  /// sidechain_anchor_payload (what peg_client_update carries); empty before any finality.
  caf::replies_to<pegfinal_atom>::with<bytes>,
  /// A peg message (source chain, sequence) in the final peg state.
  caf::replies_to<pegmsg_atom, std::uint32_t, std::uint64_t>::with<peg_message_view>,
  /// Every record of the final peg module.
  caf::replies_to<pegrec_atom>::with<peg_records_reply>,
  /// The timeout bundle of a message (source chain, sequence) from the final state.
  caf::replies_to<pegtmo_atom, std::uint32_t, std::uint64_t>::with<peg_timeout_reply>,
  /// Messages in flight from here to a destination, due by a timeout height.
  caf::replies_to<pegfly_atom, std::uint32_t, std::uint64_t, std::uint64_t>::with<peg_in_flight_reply>,
  /// Access control as the head sees it: a scope, an account, or a decision.
  caf::replies_to<acl_atom, access_query>::with<access_answer>,
  /// Templates, contracts, events, receipts and (for `caller`, a reader) a contract's state, from
  /// the head state's contracts module.
  caf::replies_to<contract_atom, std::uint8_t, bytes, std::uint64_t, std::uint32_t, address>::with<contract_answer>,
  /// A DS metadata view (section: "", members, rates, issuances, usage; from: where a page
  /// starts; caller: who reads the members, authenticated by the asker).
  caf::replies_to<dsmeta_atom, std::string, std::string, address>::with<json_view_reply>,
  /// A funds view (section: "" the reconciled summary, or "holders"; from: the address after
  /// which the holders page starts).
  caf::replies_to<funds_atom, std::string, std::string>::with<json_view_reply>,
  /// A service registry view ("list", from; "show", id or uuid; "resolve", id, "chain[@height]").
  caf::replies_to<services_atom, std::string, std::string, std::string>::with<json_view_reply>,
  caf::replies_to<authority_atom, std::string, std::string>::with<json_view_reply>,
  /// A cluster this node holds, by its cluster_hash (hex): GET /v1/clusters/{hash}.
  caf::replies_to<cluster_atom, std::string>::with<json_view_reply>,
  /// A page of an account's final transactions, newest first (address, cursor or "", limit):
  /// GET /v1/accounts/{address}/txs.
  caf::replies_to<acctxs_atom, address, std::string, std::uint32_t>::with<json_view_reply>,
  /// A peer node's chain actor: relay to it, and catch up from it.
  caf::reacts_to<peer_atom, caf::actor>>;

/// Registers the types of this header (called by register_vocabulary's users).
void register_interfaces(caf::actor_system_config& cfg);

} // namespace bfd
