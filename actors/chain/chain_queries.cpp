#include "actors/chain/chain_queries.hpp"

#include "protocols/contract_json.hpp"
#include <charconv>

#include "chains/access/access_module.hpp"
#include "chains/authority/authority_module.hpp"
#include "protocols/authority_json.hpp"
#include "chains/dsmeta/dsmeta_module.hpp"
#include "chains/funds/funds_module.hpp"
#include "chains/services/services_module.hpp"
#include "protocols/dsmeta_json.hpp"
#include "protocols/funds_json.hpp"
#include "protocols/json_chains.hpp"
#include "protocols/services_json.hpp"

#include <algorithm>
#include <string>
#include <variant>

#include "chains/merkle/merkle.hpp"
#include "chains/sidechain/anchoring_proof.hpp"
#include "chains/consensus/light_client.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/peg/timeout_proof.hpp"
#include "chains/sidechain/registry_module.hpp"

namespace bfd {

block_envelope block_at_height(const chain_engine& engine, chain_store* store, std::uint64_t height) {
  if (auto b = engine.best_validated_at(height))
    return block_envelope{b->blk};
  if (store && height < engine.final_height())
    if (auto stored = store->block_at(height); stored && *stored)
      return block_envelope{std::move(**stored)};
  return block_envelope{};
}

header_range headers_between(const chain_engine& engine, chain_store* store, std::uint64_t from, std::uint64_t to) {
  header_range out;
  out.from = from;
  if (to < from)
    return out;
  const auto last = std::min(to, from + (max_headers_per_request - 1));
  for (auto h = from; h <= last; ++h) {
    auto b = block_at_height(engine, store, h);
    if (!b)
      break;
    out.headers.push_back(codec::encode(b->header));
  }
  return out;
}

namespace {

anchor_evidence refused(errc code, std::string detail) {
  anchor_evidence out;
  out.code = static_cast<std::uint16_t>(code);
  out.detail = std::move(detail);
  return out;
}

} // namespace

anchor_evidence anchor_evidence_of(const chain_engine& engine, chain_store* store, std::uint32_t id,
                                   std::uint64_t height) {
  // The final registry: what every node agrees on, and whose anchoring blocks are all final.
  const auto* reg = find_registry(engine.final_state());
  if (!reg)
    return refused(errc::not_found, "this chain keeps no sidechain registry");
  const auto* info = reg->find(id);
  if (!info)
    return refused(errc::not_found, "chain " + std::to_string(id) + " is not a registered sidechain");
  const auto anchor = reg->anchor_covering(id, height);
  if (!anchor)
    return refused(errc::not_found, "no kept anchor of sidechain " + std::to_string(id) + " covers height "
                                      + std::to_string(height) + " (anchored up to height "
                                      + std::to_string(info->anchored_height) + ")");
  if (anchor->sidechain_height - height > registry_bounds::max_anchor_interval)
    return refused(errc::not_found, "height " + std::to_string(height) + " lies more than "
                                      + std::to_string(registry_bounds::max_anchor_interval)
                                      + " headers below the oldest kept anchor of sidechain " + std::to_string(id));
  const auto blk = block_at_height(engine, store, anchor->mainchain_height);
  if (!blk)
    return refused(errc::not_found, "the anchoring block " + std::to_string(anchor->mainchain_height)
                                      + " is not on this node");
  anchor_evidence out;
  out.sidechain_height = anchor->sidechain_height;
  out.header_hash = anchor->header_hash;
  out.mainchain_height = anchor->mainchain_height;
  out.final_height = engine.final_height();
  std::vector<hash256> entries;
  entries.reserve(blk->txs.size());
  std::optional<std::uint64_t> index;
  for (std::size_t i = 0; i < blk->txs.size(); ++i) {
    const auto& tx = blk->txs[i];
    entries.push_back(entry_hash(tx));
    if (const auto* a = std::get_if<sidechain_anchor_tx>(&tx.payload); a && !index && a->body
        && a->body->id == id && a->body->header.height == anchor->sidechain_height)
      index = i;
  }
  if (!index)
    return refused(errc::storage_corrupt, "the anchoring block " + std::to_string(anchor->mainchain_height)
                                            + " holds no anchor of sidechain " + std::to_string(id) + " at height "
                                            + std::to_string(anchor->sidechain_height));
  auto path = make_merkle_proof(entries, *index);
  out.tx = tx_envelope{blk->txs[*index]};
  out.index = path->index;
  out.leaf_count = path->leaf_count;
  out.siblings = std::move(path->siblings);
  out.mainchain_block = codec::encode(blk->header);
  // Up to the final header, or as far as one proof may reach.
  const auto to = std::min<std::uint64_t>(out.final_height, anchor->mainchain_height + max_mainchain_links);
  if (to > anchor->mainchain_height) {
    auto links = headers_between(engine, store, anchor->mainchain_height + 1, to);
    if (links.headers.size() != to - anchor->mainchain_height)
      return refused(errc::not_found, "mainchain headers above the anchoring block are missing on this node");
    out.mainchain_links = std::move(links.headers);
  }
  return out;
}

bytes peg_final_update(const chain_engine& engine) {
  const auto& cert = engine.final_certificate();
  if (!cert || !cert->proves_final() || engine.final_hash() != cert->source)
    return {};
  const auto& st = engine.final_state();
  sidechain_anchor_payload p{st.chain(), st.head(), *cert, make_state_proof(st)};
  return codec::encode(p);
}

peg_message_view peg_message_of(const chain_engine& engine, std::uint32_t source, std::uint64_t sequence) {
  peg_message_view out;
  out.final_height = engine.final_height();
  const auto* peg = find_peg(engine.final_state());
  if (!peg) {
    out.code = static_cast<std::uint16_t>(errc::not_found);
    out.detail = "this chain has no peg module";
    return out;
  }
  const peg::message_id id{source, sequence};
  const auto& l = peg->peg_ledger();
  if (auto state = l.state_of(id)) {
    out.sent = true;
    out.state = static_cast<std::uint8_t>(*state);
    if (const auto* m = l.in_flight(id))
      out.message = codec::encode(*m);
  }
  if (auto ack = l.receipt(id)) {
    out.received = true;
    out.ack_success = ack->success();
  }
  return out;
}

peg_timeout_reply peg_timeout_of(const chain_engine& engine, std::uint32_t source, std::uint64_t sequence) {
  peg_timeout_reply out;
  out.final_height = engine.final_height();
  const auto& cert = engine.final_certificate();
  if (!cert || !cert->proves_final() || engine.final_hash() != cert->source) {
    out.code = static_cast<std::uint16_t>(errc::not_found);
    out.detail = "no final certificate yet";
    return out;
  }
  const auto& st = engine.final_state();
  auto t = peg::make_timeout_bundle(st, st.head(), *cert, peg::message_id{source, sequence});
  if (!t) {
    // No peg module is "not found" here, as for the other peg queries.
    const auto code = t.error().code == errc::kind_not_enabled ? errc::not_found : t.error().code;
    out.code = static_cast<std::uint16_t>(code);
    out.detail = t.error().detail;
    return out;
  }
  out.bundle = codec::encode(*t);
  return out;
}

peg_in_flight_reply peg_in_flight_of(const chain_engine& engine, std::uint32_t destination, std::uint64_t first,
                                     std::uint64_t max_timeout) {
  peg_in_flight_reply out;
  out.final_height = engine.final_height();
  const auto* peg = find_peg(engine.final_state());
  if (!peg) {
    out.code = static_cast<std::uint16_t>(errc::not_found);
    return out;
  }
  const auto& flying = peg->peg_ledger().messages_in_flight();
  const auto self = engine.final_state().chain();
  for (auto i = flying.lower_bound(peg::message_id{self, first}); i != flying.end() && i->first.source == self; ++i) {
    if (i->second.destination != destination || i->second.timeout_height > max_timeout)
      continue;
    if (out.sequences.size() == max_in_flight_per_answer) {
      out.more = true;
      break;
    }
    out.sequences.push_back(i->first.sequence);
    out.timeout_heights.push_back(i->second.timeout_height);
  }
  return out;
}

peg_records_reply peg_records_of(const chain_engine& engine) {
  peg_records_reply out;
  out.final_height = engine.final_height();
  const auto* peg = find_peg(engine.final_state());
  if (!peg) {
    out.code = static_cast<std::uint16_t>(errc::not_found);
    return out;
  }
  auto copy = peg->clone();  // marking dirty must not touch the engine's state
  copy->mark_all_dirty();
  for (auto& [key, value] : copy->dirty_records())
    if (value) {
      out.keys.push_back(key);
      out.values.push_back(std::move(*value));
    }
  return out;
}

contract_answer contract_answer_of(const chain_engine& engine, std::uint8_t what, const bytes& key,
                                   std::uint64_t from, std::uint32_t limit, const address& caller) {
  contract_answer out;
  if (what > static_cast<std::uint8_t>(contract_query::what::state_value)) {
    out.code = static_cast<std::uint16_t>(errc::invalid_argument);
    out.detail = "unknown contracts query";
    return out;
  }
  const contract_query q{static_cast<contract_query::what>(what), key, from, limit, caller};
  auto answer = answer_contract_query(engine.head_state(), q);
  if (!answer) {
    out.code = static_cast<std::uint16_t>(answer.error().code);
    out.detail = answer.error().detail;
    return out;
  }
  out.json = std::move(*answer);
  return out;
}

} // namespace bfd

namespace bfd {

namespace {
json_view_reply view_failure(errc code, std::string detail) {
  json_view_reply out;
  out.code = static_cast<std::uint16_t>(code);
  out.detail = std::move(detail);
  return out;
}
} // namespace

json_view_reply ds_view_of(const chain_engine& engine, const std::string& section, const std::string& from,
                           const address& caller) {
  json_view_reply out;
  const auto& state = engine.final_state();
  const auto* s = find_dsmeta(state);
  if (!s)
    return view_failure(errc::not_found, "chain " + std::to_string(state.chain()) + " has no DS metadata (DAOS sidechains have it)");
  json_fields::output j;
  if (section.empty()) {
    j = ds_json::summary(*s);
  } else if (section == "members") {
    if (auto st = s->check_member_read(caller, find_access(state)); !st)
      return view_failure(st.error().code, st.error().detail);
    address after{};
    if (!from.empty()) {
      auto a = parse_address(from);
      if (!a)
        return view_failure(errc::invalid_argument, "members/{from}: an address (bfd…): " + a.error().detail);
      after = *a;
    }
    j = ds_json::members(*s, after, ds::max_page);
  } else if (section == "rates" || section == "issuances" || section == "usage") {
    std::uint64_t index = 0;
    if (!from.empty()) {
      const auto* end = from.data() + from.size();
      auto [p, ec] = std::from_chars(from.data(), end, index);
      if (ec != std::errc{} || p != end)
        return view_failure(errc::invalid_argument, section + "/{from}: a decimal index");
    }
    j = section == "rates"       ? ds_json::rates(*s, index, ds::max_page)
        : section == "issuances" ? ds_json::issuances(*s, index, ds::max_page)
                                 : ds_json::usages(*s, index, ds::max_page);
  } else {
    return view_failure(errc::invalid_argument, "no DS section '" + section.substr(0, 32)
                                          + "' (members, rates, issuances, usage)");
  }
  j["final_height"] = engine.final_height();
  out.body = j.dump();
  return out;
}

json_view_reply funds_view_of(const chain_engine& engine, const std::string& section, const std::string& from) {
  json_view_reply out;
  const auto& state = engine.final_state();
  if (!find_funds(state))
    return view_failure(errc::not_found, "chain " + std::to_string(state.chain())
                                           + " has no funds module (DAOS sidechains have it)");
  json_fields::output j;
  if (section.empty()) {
    j = funds_json::summary(state);
  } else if (section == "holders") {
    address after{};
    if (!from.empty()) {
      auto a = parse_address(from);
      if (!a)
        return view_failure(errc::invalid_argument, "holders ?from=: an address (bfd…): " + a.error().detail);
      after = *a;
    }
    j = funds_json::holders(state, after, funds::max_page);
  } else {
    return view_failure(errc::invalid_argument, "no funds section '" + section.substr(0, 32) + "' (holders)");
  }
  j["final_height"] = engine.final_height();
  out.body = j.dump();
  return out;
}

json_view_reply authority_view_of(const chain_engine& engine, const std::string& group, const std::string& after) {
  json_view_reply out;
  const auto& state = engine.final_state();
  const auto* s = find_authority(state);
  if (!s)
    return view_failure(errc::not_found, "chain " + std::to_string(state.chain()) + " has no credential authority module");
  auto id = fixed_from_hex<32>(group);
  if (!id)
    return view_failure(errc::invalid_argument, "a group id is 32 bytes of hex");
  std::optional<hash256> from;
  if (!after.empty()) {
    auto a = fixed_from_hex<32>(after);
    if (!a)
      return view_failure(errc::invalid_argument, "after: a pseudonym, 32 bytes of hex");
    from = *a;
  }
  const auto g = s->group(*id);
  if (!g)
    return view_failure(errc::not_found, "no group " + group.substr(0, 64) + " on chain " + std::to_string(state.chain()));
  auto j = authority_json::group(*s, *g, from, authority_json::revoked_page);
  j["final_height"] = engine.final_height();
  out.body = j.dump();
  return out;
}

namespace {
bool parse_decimal(std::string_view text, std::uint64_t& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && p == text.data() + text.size();
}
} // namespace

json_view_reply services_view_of(const chain_engine& engine, const std::string& what, const std::string& a,
                                 const std::string& b) {
  json_view_reply out;
  const auto& state = engine.final_state();
  const auto* s = find_services(state);
  if (!s)
    return view_failure(errc::not_found, "chain " + std::to_string(state.chain())
                                   + " has no service registry (the mainchain of a genesis with a services section)");
  json_fields::output j;
  if (what == "list") {
    std::uint64_t from = 1;
    if (!a.empty() && !parse_decimal(a, from))
      return view_failure(errc::invalid_argument, "from: a decimal service id");
    j = services_json::list_view(*s, from);
  } else {
    // A service by decimal id, or by its uuid (32 hex digits).
    std::optional<services::service> svc;
    std::uint64_t id = 0;
    if (a.size() == 32 && what == "show") {
      auto uuid = fixed_from_hex<16>(a);
      if (!uuid)
        return view_failure(errc::invalid_argument, "a service is a decimal id or a 32-hex-digit uuid");
      svc = s->find_by_uuid(*uuid);
    } else if (parse_decimal(a, id)) {
      svc = s->find(id);
    } else {
      return view_failure(errc::invalid_argument, what == "show" ? "a service is a decimal id or a 32-hex-digit uuid"
                                                         : "a service is a decimal id");
    }
    if (!svc)
      return view_failure(errc::unknown_service, "no service " + a.substr(0, 32));
    if (what == "show") {
      j = services_json::service_view(*s, *svc, engine.final_height());
    } else if (what == "resolve") {
      const auto at = b.find('@');
      std::uint64_t chain = 0, height = engine.final_height();
      if (!parse_decimal(b.substr(0, at), chain) || chain > UINT32_MAX
          || (at != std::string::npos && !parse_decimal(b.substr(at + 1), height)))
        return view_failure(errc::invalid_argument, "resolve: a decimal chain id and an optional decimal height");
      auto r = services_json::resolve_view(*s, *svc, static_cast<std::uint32_t>(chain), height);
      if (!r)
        return view_failure(r.error().code == errc::not_deployed ? errc::not_found : r.error().code, r.error().detail);
      j = std::move(*r);
    } else {
      return view_failure(errc::invalid_argument, "no service view '" + what.substr(0, 16) + "'");
    }
  }
  j["final_height"] = engine.final_height();
  out.body = j.dump();
  return out;
}

service_rollouts_reply service_rollouts_of(const chain_engine& engine) {
  service_rollouts_reply out;
  out.final_height = engine.final_height();
  const auto* s = find_services(engine.final_state());
  if (!s) {
    out.code = static_cast<std::uint16_t>(errc::not_found);
    return out;
  }
  // Pages of max_page services in id order; the state holds at most max_services.
  for (std::uint64_t from = 1;;) {
    const auto page = s->list(from, services::max_page);
    for (const auto& svc : page) {
      if (!svc.rollout)
        continue;
      const auto& ro = *svc.rollout;
      service_rollout_view v;
      v.service = svc.id;
      v.version = ro.version;
      v.previous = ro.previous;
      v.canary = ro.canary;
      v.canary_height = ro.canary_height;
      v.phase = static_cast<std::uint8_t>(ro.phase);
      v.decided_at = ro.decided_at;
      v.reason = ro.reason;
      if (auto version = s->find_version(svc.id, ro.version))
        if (auto a = version->instance_on(ro.canary))
          v.instance = *a;
      out.rollouts.push_back(std::move(v));
    }
    if (page.size() < services::max_page)
      break;
    from = page.back().id + 1;
  }
  return out;
}

json_view_reply cluster_view_of(const chain_engine& engine, const std::string& hash_hex) {
  auto wanted = fixed_from_hex<32>(hash_hex);
  if (!wanted || hash_hex.size() != 64)
    return view_failure(errc::invalid_argument, "a cluster hash is 64 hex characters");
  std::vector<const cluster*> held;
  if (const auto& cert = engine.final_certificate())
    if (const auto* c = engine.confirming_cluster(cert->block))
      held.push_back(c);
  for (const auto* state : {&engine.final_state(), &engine.head_state()}) {
    held.push_back(&state->consensus().active());
    held.push_back(&state->consensus().next());
  }
  for (const auto* c : held) {
    if (cluster_hash(*c) != *wanted)
      continue;
    auto j = cluster_json(engine.final_state().chain(), *c);
    j["final_height"] = engine.final_height();
    json_view_reply out;
    out.body = j.dump();
    return out;
  }
  return view_failure(errc::not_found, "this node holds no cluster " + hash_hex
                                         + " (it keeps the active and next clusters of its final and head states)");
}

json_view_reply account_txs_view_of(const chain_engine& engine, chain_store* store, const address& account,
                                    const std::string& cursor, std::uint32_t limit) {
  if (!store)
    return view_failure(errc::not_found, "this node keeps no storage, hence no account history");
  if (limit == 0 || limit > max_history_page)
    return view_failure(errc::invalid_argument, "limit: 1 to " + std::to_string(max_history_page));
  std::optional<history_position> after;
  if (!cursor.empty()) {
    auto c = parse_cursor(cursor);
    if (!c)
      return view_failure(c.error().code, c.error().detail);
    after = *c;
  }
  bool more = false;
  auto entries = store->account_history(account, after, limit, more);
  if (!entries)
    return view_failure(entries.error().code, entries.error().detail);
  auto list = json_object::array();
  block_envelope blk;
  std::size_t body_bytes = 0;
  std::optional<history_position> cut;  // where a page cut short by its size ends
  for (const auto& e : *entries) {
    if (body_bytes > max_history_page_bytes) {
      cut = (*entries)[list.size() - 1].at;
      break;
    }
    if (!blk || blk->header.height != e.at.height)
      blk = block_at_height(engine, store, e.at.height);
    if (!blk || e.at.index >= blk->txs.size())
      return view_failure(errc::storage_corrupt, "the account history names transaction " + format_cursor(e.at)
                                                   + ", which this node does not hold");
    const auto& tx = blk->txs[e.at.index];
    json_object j;
    j["id"] = to_hex(e.tx_id);
    j["height"] = e.at.height;
    j["index"] = e.at.index;
    j["block"] = to_hex(header_hash(blk->header));
    j["transaction"] = transaction_json(tx, signature_report::omit);
    body_bytes += j.dump().size();
    list.push_back(std::move(j));
  }
  json_object j;
  j["chain"] = engine.final_state().chain();
  j["address"] = format_address(account);
  j["final_height"] = engine.final_height();
  j["count"] = list.size();
  j["txs"] = std::move(list);
  j["more"] = more || cut.has_value();
  if (cut)
    j["next"] = format_cursor(*cut);
  else if (more && !entries->empty())
    j["next"] = format_cursor(entries->back().at);
  json_view_reply out;
  out.body = j.dump();
  return out;
}

} // namespace bfd
