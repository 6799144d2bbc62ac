// Read-only queries a chain actor answers from its engine and store: blocks and headers by height,
// and the mainchain's evidence that a sidechain block is anchored. Internal to actors/chain.
#pragma once

#include <cstdint>

#include "chains/consensus/chain_engine.hpp"
#include "chains/storage/chain_store.hpp"
#include "protocols/interfaces.hpp"

namespace bfd {

/// The best chain's block at `height`: from memory, else (below the final height) from `store`
/// (which may be null); an empty envelope when this node has none.
block_envelope block_at_height(const chain_engine& engine, chain_store* store, std::uint64_t height);

/// Headers [from, to] of the best chain, at most max_headers_per_request, stopping at the
/// first height this node lacks.
header_range headers_between(const chain_engine& engine, chain_store* store, std::uint64_t from, std::uint64_t to);

/// The evidence that block `height` of sidechain `id` is anchored, from the final registry:
/// code not_found when the chain keeps no registry, `id` is not registered, or no kept anchor
/// covers `height`.
anchor_evidence anchor_evidence_of(const chain_engine& engine, chain_store* store, std::uint32_t id,
                                   std::uint64_t height);

/// The final header, its certificate and the final state's proof, encoded as a
/// sidechain_anchor_payload (a peg_client_update's body); empty before any finality.
bytes peg_final_update(const chain_engine& engine);

/// Message (source, sequence) in the final peg state (code not_found without a peg module).
peg_message_view peg_message_of(const chain_engine& engine, std::uint32_t source, std::uint64_t sequence);

/// The timeout bundle of message (source, sequence) from the final state and its certificate
/// (peg::make_timeout_bundle): not_found without a peg or a final certificate, duplicate when
/// the message was received.
peg_timeout_reply peg_timeout_of(const chain_engine& engine, std::uint32_t source, std::uint64_t sequence);

/// The final state's messages in flight to `destination` from sequence `first` whose timeout
/// height is at most `max_timeout` (at most max_in_flight_per_answer).
peg_in_flight_reply peg_in_flight_of(const chain_engine& engine, std::uint32_t destination, std::uint64_t first,
                                     std::uint64_t max_timeout);

/// A contracts query (protocols/contract_json.hpp) answered from the head state; `caller` is who
/// reads a contract's state (authenticated by the asker), ignored by the other queries.
contract_answer contract_answer_of(const chain_engine& engine, std::uint8_t what, const bytes& key,
                                   std::uint64_t from, std::uint32_t limit, const address& caller);

/// Every record of the final state's peg module (code not_found without one).
peg_records_reply peg_records_of(const chain_engine& engine);

/// A DS metadata view of the final state (protocols/dsmeta_json): the summary (section ""), or a
/// page of at most 100 members (from: the address after which it starts), rates, issuances or
/// usage entries (from: the index it starts at). not_found on a chain without DS metadata. The
/// members are a protected read: `caller` (authenticated by the asker) must hold read on the
/// fund's scopes in that final state (access_denied otherwise); the other sections are public.
json_view_reply ds_view_of(const chain_engine& engine, const std::string& section, const std::string& from,
                           const address& caller);

/// A funds view of the final state (protocols/funds_json): the reconciled summary (section ""), or
/// a page of at most 100 holders (from: the address after which it starts). not_found on a chain
/// without the funds module, invalid_argument for another section or a bad address.
json_view_reply funds_view_of(const chain_engine& engine, const std::string& section, const std::string& from);

/// A service registry view of the final state (protocols/services_json): what "list" (a: the id
/// a page starts at, empty for 1), "show" (a: an id or a 32-hex-digit uuid) or "resolve" (a: the
/// id, b: "CHAIN" or "CHAIN@HEIGHT", height defaulting to the final height). not_found on a chain
/// without the registry or for an unknown service, invalid_argument for a bad id.
json_view_reply services_view_of(const chain_engine& engine, const std::string& what, const std::string& a,
                                 const std::string& b);

/// A credential group of the final state's authority module (protocols/authority_json) with a
/// page of its revoked pseudonyms after `after` (hex, or "" for the first page); not_found
/// without the module or for an unknown group, invalid_argument for malformed hex.
json_view_reply authority_view_of(const chain_engine& engine, const std::string& group, const std::string& after);

/// Every service's rollout in the final services state (not_found without the module), with the
/// new version's contract on its canary chain: what the service triage reads.
service_rollouts_reply service_rollouts_of(const chain_engine& engine);

/// The cluster whose cluster_hash is `hash_hex` (64 hex digits), as protocols/json_chains'
/// cluster_json: looked for among the active and next clusters of the final and head states and
/// the confirming cluster of the final certificate's target (what a client needs to check
/// GET /v1/certificate); not_found for any other, invalid_argument for malformed hex.
json_view_reply cluster_view_of(const chain_engine& engine, const std::string& hash_hex);

/// Most transactions an account-history page lists (GET /v1/accounts/{address}/txs).
inline constexpr std::uint32_t max_history_page = 100;
/// A page stops early (with `more` and `next`) once its entries' JSON passes this many bytes, so
/// 100 large transactions (contract code) cannot make a reply of many megabytes.
inline constexpr std::size_t max_history_page_bytes = 1 << 20;

/// A page of `account`'s final transactions from the store's account history, newest first:
/// `limit` (1..max_history_page) entries after `cursor` ("HEIGHT.INDEX", or "" for the newest),
/// each with its height, index, block hash and transaction JSON, and `next` when more remain
/// (also when the page stopped at max_history_page_bytes).
/// not_found without storage, invalid_argument for a bad cursor or limit.
json_view_reply account_txs_view_of(const chain_engine& engine, chain_store* store, const address& account,
                                    const std::string& cursor, std::uint32_t limit);

} // namespace bfd
