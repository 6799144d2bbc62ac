// The JSON forms of hosted chains and finality certificates (protocols/json_chains.hpp).
#include "protocols/json_chains.hpp"

#include "chains/core/amount.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/sidechain/chain_spec.hpp"
#include "protocols/sidechain_views.hpp"

namespace bfd {

namespace {

json_object identity_json(const chain_handles& h, std::string_view status) {
  json_object j;
  j["id"] = h.id;
  // A kind number this build does not know is shown as a number, never dropped.
  const auto kind = static_cast<chain_kind>(h.kind);
  const auto name = to_string(kind);
  if (parse_chain_kind(name) == kind)
    j["kind"] = name;
  else
    j["kind"] = std::to_string(h.kind);
  j["name"] = h.name;
  j["token"] = h.token;
  j["status"] = status;
  return j;
}

json_object checkpoint_json(std::uint64_t height, const hash256& hash) {
  json_object j;
  j["height"] = height;
  j["hash"] = to_hex(hash);
  return j;
}

} // namespace

json_object chain_summary_json(const chain_handles& handles, const chain_info& info,
                               const std::vector<delegate_summary>& delegates) {
  return chain_summary_json(handles, info, delegates, "active");
}

std::string_view registry_status(const std::vector<sidechain_view>& views, std::uint32_t id) {
  for (const auto& v : views)
    if (v.id == id)
      if (auto st = view_status(v))
        return to_string(*st);
  return "active";
}

json_object sidechain_json(const sidechain_view& view) {
  json_object j;
  j["id"] = view.id;
  const auto st = view_status(view);
  j["status"] = st ? std::string(to_string(*st)) : std::to_string(view.status);
  j["registered_height"] = view.registered_height;
  // Height 0 means "not activated" in a view, except for sidechains of the genesis, which are
  // registered and activated at block 0 (and a later registration is never activated at 0).
  const bool activated = view.activated_height != 0
                         || (view.registered_height == 0 && st && *st != sidechain_status::registered);
  j["activated_height"] = activated ? json_object(view.activated_height) : json_object(nullptr);
  j["ceased_height"] = view.ceased_height ? json_object(view.ceased_height) : json_object(nullptr);
  j["genesis_hash"] = to_hex(view.genesis_hash);
  j["anchored"] = checkpoint_json(view.anchored_height, view.anchored_hash);
  if (auto e = view_entry(view)) {
    j["kind"] = std::string(to_string(e->kind));
    j["name"] = e->name;
    j["token"] = e->token.symbol;
    j["anchor_interval"] = e->params.anchor_interval;
    j["slot_ms"] = e->params.slot_ms;
    auto validators = json_object::array();
    for (const auto& v : e->validators)
      validators.push_back(to_hex(v.key));
    j["validators"] = std::move(validators);
  }
  return j;
}

json_object chain_summary_json(const chain_handles& handles, const chain_info& info,
                               const std::vector<delegate_summary>& delegates, std::string_view status) {
  auto j = identity_json(handles, status);
  j["head"] = checkpoint_json(info.head_height, info.head_hash);
  j["final"] = checkpoint_json(info.final_height, info.final_hash);
  auto validators = json_object::array();
  for (const auto& d : delegates)
    if (d.in_cluster)
      validators.push_back(to_hex(d.key));
  j["validators"] = std::move(validators);
  return j;
}

json_object chain_summary_json(const chain_handles& handles, std::string_view status) {
  return identity_json(handles, status);
}

json_object certificate_json(const finality_certificate& cert) {
  json_object j;
  j["chain"] = cert.chain;
  j["source"] = checkpoint_json(cert.source_height, cert.source);
  j["target"] = checkpoint_json(cert.height, cert.block);
  j["cluster"] = to_hex(cert.cluster);
  j["proves_final"] = cert.proves_final();
  j["signature_count"] = cert.signatures.size();
  auto sigs = json_object::array();
  for (const auto& s : cert.signatures) {
    json_object e;
    e["signer"] = to_hex(s.signer);
    e["signature"] = to_hex(s.sig);
    sigs.push_back(std::move(e));
  }
  j["signatures"] = std::move(sigs);
  return j;
}

json_object cluster_json(chain_id chain, const cluster& c) {
  json_object j;
  j["chain"] = chain;
  j["hash"] = to_hex(cluster_hash(c));
  j["power"] = format_amount(c.power);
  j["power_units"] = c.power;
  j["member_count"] = c.members.size();
  auto members = json_object::array();
  for (const auto& m : c.members) {
    json_object e;
    e["key"] = to_hex(m.key);
    e["address"] = format_address(address_of(m.key));
    e["category"] = m.category;
    e["power"] = format_amount(m.power);
    e["power_units"] = m.power;
    members.push_back(std::move(e));
  }
  j["members"] = std::move(members);
  return j;
}

} // namespace bfd
