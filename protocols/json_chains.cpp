// The JSON forms of hosted chains and finality certificates (protocols/json_chains.hpp).
#include "protocols/json_chains.hpp"

#include "chains/core/hex.hpp"
#include "chains/sidechain/chain_spec.hpp"

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
  auto j = identity_json(handles, "active");
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

} // namespace bfd
